import CProtobufC
import NIOCore

/// A message that travels on the wire as protobuf bytes.
///
/// Conformances live in this module, next to their protobuf-c bridging; other modules encode and decode
/// through this protocol and never see C types.
public protocol WireMessage: Sendable {
    /// How this type is read from and written to protobuf bytes.
    static var wireCodec: WireCodec<Self> { get }
}

/// The type-erased protobuf codec of one message type.
public struct WireCodec<Message>: Sendable {
    /// The full protobuf name, for example `taskmanager.v1.Task`.
    public let protoName: String
    let decode: @Sendable (UnsafeRawBufferPointer, CArena) throws -> Message
    /// The value as a filled protobuf-c struct in the arena, for packing.
    let fill: @Sendable (Message, CArena) -> UnsafePointer<ProtobufCMessage>
}

extension WireCodec where Message: CBridged {
    init(_ type: Message.Type) {
        self.init(protoName: Message.protoName, decode: { try Message.unpack($0, in: $1) }, fill: { $0.cMessage(in: $1) })
    }
}

extension WireMessage {
    /// The full protobuf name, for example `taskmanager.v1.Task`.
    public static var protoName: String { wireCodec.protoName }

    /// Decodes protobuf bytes; throws INVALID_ARGUMENT when they are not a valid message of this type.
    public init(wireBytes: ByteBuffer) throws {
        self = try wireBytes.withUnsafeReadableBytes { try Self(wireBytes: $0) }
    }

    /// Decodes protobuf bytes; throws INVALID_ARGUMENT when they are not a valid message of this type.
    public init(wireBytes: [UInt8]) throws {
        self = try wireBytes.withUnsafeBytes { try Self(wireBytes: $0) }
    }

    /// Decodes protobuf bytes; throws INVALID_ARGUMENT when they are not a valid message of this type.
    public init(wireBytes: UnsafeRawBufferPointer) throws {
        let arena = CArena()
        self = try arena.withScope { try Self(wireBytes: wireBytes, arena: arena) }
    }

    /// Decodes protobuf bytes, unpacking them in `arena`, whose scope the caller holds.
    public init(wireBytes: UnsafeRawBufferPointer, arena: CArena) throws {
        self = try Self.wireCodec.decode(wireBytes, arena)
    }

    /// Appends the protobuf encoding to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        let arena = CArena()
        arena.withScope {
            let message = Self.wireCodec.fill(self, arena)
            let size = protobuf_c_message_get_packed_size(message)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
                protobuf_c_message_pack(message, raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// The protobuf encoding.
    public func wireBytes(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        encode(into: &buffer)
        return buffer
    }
}
