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
    let decode: @Sendable (UnsafeRawBufferPointer) throws -> Message
    let encode: @Sendable (Message, inout ByteBuffer) -> Void
}

extension WireCodec where Message: CBridged {
    init(_ type: Message.Type) {
        self.init(protoName: Message.protoName, decode: { try Message.unpack($0) }, encode: { $0.pack(into: &$1) })
    }
}

extension WireMessage {
    /// The full protobuf name, for example `taskmanager.v1.Task`.
    public static var protoName: String { wireCodec.protoName }

    /// Decodes protobuf bytes; throws INVALID_ARGUMENT when they are not a valid message of this type.
    public init(wireBytes: ByteBuffer) throws {
        self = try wireBytes.withUnsafeReadableBytes { try Self.wireCodec.decode($0) }
    }

    /// Decodes protobuf bytes; throws INVALID_ARGUMENT when they are not a valid message of this type.
    public init(wireBytes: [UInt8]) throws {
        self = try wireBytes.withUnsafeBytes { try Self.wireCodec.decode($0) }
    }

    /// Appends the protobuf encoding to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        Self.wireCodec.encode(self, &buffer)
    }

    /// The protobuf encoding.
    public func wireBytes(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        encode(into: &buffer)
        return buffer
    }
}
