import NIOCore

/// Protobuf fields written by hand, with whatever bytes a test needs.
enum ProtoBytes {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }

    static func varint(_ number: Int, _ value: UInt64) -> [UInt8] {
        varint(UInt64(number << 3)) + varint(value)
    }

    static func string(_ number: Int, _ bytes: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes
    }

    static func message(_ number: Int, _ bytes: [UInt8]) -> [UInt8] { string(number, bytes) }

    /// One length-prefixed frame of `body`.
    static func frame(_ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(truncatingIfNeeded: body.count))
        buffer.writeBytes(body)
        return buffer
    }

    /// A `ClientFrame` holding a `Request` with this call id, method and payload.
    static func request(_ callID: UInt64, _ method: String, _ payload: [UInt8], metadata: [[UInt8]] = []) -> ByteBuffer {
        var request = varint(1, callID) + string(2, Array("/taskmanager.v1.TaskService/\(method)".utf8)) + string(3, payload)
        for entry in metadata { request += message(5, entry) }
        return frame(message(1, request))
    }
}
