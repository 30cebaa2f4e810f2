import CProtobufC
import Foundation
import TaskManagerCore

/// Reads a message's bytes before protobuf-c unpacks them, for what protobuf-c would accept without a word but
/// the server must refuse.
///
/// - A string with a NUL byte: protobuf-c hands strings over as C strings, so the rest would be cut off, and
///   `"name\0x"` would read as `"name"`.
/// - A string that is not UTF-8: Swift would replace the bad bytes with U+FFFD, so two different strings could
///   read as one.
/// - A message that would take far more memory unpacked than its bytes: a frame of empty repeated messages costs
///   protobuf-c about 50 times its size.
///
/// Malformed bytes are left to protobuf-c, which refuses them.
enum WireCheck {
    /// The most memory one message may take unpacked: four times the default frame limit.
    static let maxUnpackedBytes = 16 * 1024 * 1024

    /// What protobuf-c keeps per field it reads while unpacking (its scanned-member record), on top of the field.
    private static let perFieldBytes = 32
    private static let pointerBytes = MemoryLayout<UnsafeRawPointer>.size

    /// Throws INVALID_ARGUMENT naming the field of the first bad string, or RESOURCE_EXHAUSTED when the message
    /// would unpack to more than `maxUnpackedBytes`.
    static func check(_ bytes: UnsafeRawBufferPointer, _ descriptor: CMessageDescriptor) throws {
        var cost = 0
        try walk(bytes, descriptor.pointer, path: { "" }, cost: &cost)
    }

    /// `path` names the message being read, for errors only (so no string is made unless one is thrown).
    private static func walk(
        _ bytes: UnsafeRawBufferPointer, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, path: () -> String,
        cost: inout Int
    ) throws {
        cost += descriptor.pointee.sizeof_message
        var reader = ProtobufWireReader(bytes)
        while !reader.atEnd {
            let start = reader.offset
            guard let key = reader.varint() else { return }
            let number = UInt32(truncatingIfNeeded: key >> 3)
            cost += perFieldBytes
            switch key & 7 {
            case 0:
                guard reader.varint() != nil else { return }
                cost += 8
            case 1:
                guard reader.skip(8) else { return }
                cost += 8
            case 5:
                guard reader.skip(4) else { return }
                cost += 8
            case 2:
                guard let length = reader.varint(), let value = reader.take(length) else { return }
                guard let field = protobuf_c_message_descriptor_get_field(descriptor, number) else {
                    cost += value.count + MemoryLayout<ProtobufCMessageUnknownField>.size
                    break
                }
                let repeated = field.pointee.label == PROTOBUF_C_LABEL_REPEATED
                if repeated { cost += pointerBytes }
                let name = {
                    let index = repeated ? occurrences(of: number, in: bytes, before: start) : nil
                    return fieldName(path(), field, index)
                }
                switch field.pointee.type {
                case PROTOBUF_C_TYPE_STRING:
                    try checkString(value, field: name)
                    cost += value.count + 1
                case PROTOBUF_C_TYPE_BYTES:
                    cost += value.count
                case PROTOBUF_C_TYPE_MESSAGE:
                    let nested = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                    try walk(value, nested, path: name, cost: &cost)
                default:
                    // A packed repeated scalar: at most 8 bytes unpacked per byte sent.
                    cost += value.count * 8
                }
            default:
                return
            }
            if cost > maxUnpackedBytes {
                throw TaskManagerError(
                    .resourceExhausted,
                    "Message too large to unpack: more than \(maxUnpackedBytes) bytes of memory (too many items or fields)")
            }
        }
    }

    private static func fieldName(_ path: String, _ field: UnsafePointer<ProtobufCFieldDescriptor>, _ index: Int?) -> String {
        let name = String(cString: field.pointee.name)
        let item = index.map { "\(name)[\($0)]" } ?? name
        return path.isEmpty ? item : "\(path).\(item)"
    }

    /// How many times field `number` occurs in `bytes` before `offset`: the index of a repeated item, for errors.
    private static func occurrences(of number: UInt32, in bytes: UnsafeRawBufferPointer, before offset: Int) -> Int {
        var reader = ProtobufWireReader(bytes)
        var count = 0
        while reader.offset < offset, let key = reader.varint() {
            if UInt32(truncatingIfNeeded: key >> 3) == number { count += 1 }
            switch key & 7 {
            case 0: _ = reader.varint()
            case 1: _ = reader.skip(8)
            case 5: _ = reader.skip(4)
            case 2: if let length = reader.varint() { _ = reader.take(length) }
            default: return count
            }
        }
        return count
    }

    private static func checkString(_ value: UnsafeRawBufferPointer, field: () -> String) throws {
        guard let base = value.baseAddress, !value.isEmpty else { return }
        if memchr(base, 0, value.count) != nil {
            throw TaskManagerError(.invalidArgument, "\(field()) contains a NUL byte, which strings may not contain")
        }
        if !value.allSatisfy({ $0 < 0x80 }), String(validating: value, as: UTF8.self) == nil {
            throw TaskManagerError(.invalidArgument, "\(field()) is not valid UTF-8")
        }
    }
}

/// The descriptor of a protobuf-c message type, read from a struct its `__init` function set up.
///
/// Every protobuf-c message struct starts with a `ProtobufCMessage`, which starts with the descriptor's address.
/// (Swift imports the descriptor globals as copies, so their own address is not the one protobuf-c uses.) The
/// descriptor is static data that nothing writes, so the address may be shared between threads.
struct CMessageDescriptor: @unchecked Sendable {
    let pointer: UnsafePointer<ProtobufCMessageDescriptor>

    init<T>(_ initialize: (UnsafeMutablePointer<T>?) -> Void) {
        let message = UnsafeMutablePointer<T>.allocate(capacity: 1)
        defer { message.deallocate() }
        initialize(message)
        pointer = UnsafeRawPointer(message).load(as: UnsafePointer<ProtobufCMessageDescriptor>.self)
    }
}
