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
    /// Decodes, first refusing what `WireCheck` refuses when the flag is true.
    let decode: @Sendable (UnsafeRawBufferPointer, CArena, Bool) throws -> Message
    let check: @Sendable (UnsafeRawBufferPointer) throws -> Void
    /// The value as a filled protobuf-c struct in the arena, for packing.
    let fill: @Sendable (Message, CArena) -> UnsafePointer<ProtobufCMessage>
}

extension WireCodec where Message: CBridged {
    init(_ type: Message.Type) {
        self.init(
            protoName: Message.protoName, decode: { try Message.unpack($0, in: $1, checked: $2) },
            check: { try WireCheck.check($0, Message.cDescriptor) }, fill: { $0.cMessage(in: $1) })
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
    ///
    /// - Parameter checked: false when `checkWire` has already passed these bytes.
    public init(wireBytes: UnsafeRawBufferPointer, arena: CArena, checked: Bool = true) throws {
        self = try Self.wireCodec.decode(wireBytes, arena, checked)
    }

    /// Refuses, before any unpacking, a string field with a NUL byte or invalid UTF-8 (INVALID_ARGUMENT naming the
    /// field, e.g. `tasks[2].dedupe_key`) and a message that would unpack to more than 16 MiB (RESOURCE_EXHAUSTED).
    /// Malformed bytes pass: decoding refuses them.
    public static func checkWire(_ bytes: UnsafeRawBufferPointer) throws {
        try wireCodec.check(bytes)
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
