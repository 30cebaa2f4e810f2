/// A cursor over protobuf wire bytes: varints, fixed-width values and length-delimited slices.
///
/// Every read returns nil or false when the bytes end early (or a varint runs past 10 bytes), and never reads past
/// the end. Shared by the server's pre-unpack check and the descriptor-driven JSON mapping.
public struct ProtobufWireReader {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// Where the next read starts; internal and usable from inline code, which a `private(set)` cannot be.
    @usableFromInline var position = 0

    /// The offset of the next byte to read.
    @inlinable
    public var offset: Int { position }

    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// True when every byte was read.
    @inlinable
    public var atEnd: Bool { position >= bytes.count }

    /// Reads a base-128 varint.
    @inlinable
    public mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count, shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    /// Skips `count` bytes.
    @inlinable
    public mutating func skip(_ count: Int) -> Bool {
        guard bytes.count - position >= count else { return false }
        position += count
        return true
    }

    /// Reads the next `length` bytes, valid as long as the reader's bytes are.
    @inlinable
    public mutating func take(_ length: UInt64) -> UnsafeRawBufferPointer? {
        guard length <= UInt64(bytes.count - position) else { return nil }
        let count = Int(length)
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    /// Reads a little-endian fixed-width value of `width` bytes (4 or 8).
    @inlinable
    public mutating func fixed(_ width: Int) -> UInt64? {
        guard bytes.count - position >= width else { return nil }
        var value: UInt64 = 0
        for index in 0..<width { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += width
        return value
    }
}
