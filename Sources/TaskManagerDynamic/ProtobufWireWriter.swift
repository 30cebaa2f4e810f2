/// Appends protobuf wire encoding to a byte array.
struct ProtobufWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func tag(_ number: Int, _ wireType: UInt64) {
        varint(UInt64(number) << 3 | wireType)
    }

    /// A little-endian value of `width` bytes (4 or 8).
    mutating func fixed(_ value: UInt64, width: Int) {
        for index in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }

    mutating func lengthDelimited(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes += value
    }
}

extension ProtobufWireWriter {
    /// Appends bytes already encoded.
    mutating func append(_ encoded: [UInt8]) {
        bytes += encoded
    }
}
