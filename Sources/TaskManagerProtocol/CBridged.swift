import CProtobufC
import NIOCore
import TaskManagerCore

/// A Swift value with a protobuf-c struct twin: read from an unpacked struct, written into one for packing.
///
/// Only this module sees the C types; other modules use `WireMessage`.
protocol CStruct: Sendable {
    associatedtype CMessage
    static var cInit: (UnsafeMutablePointer<CMessage>?) -> Void { get }
    /// The full protobuf name, for example `taskmanager.v1.Task`.
    static var protoName: String { get }

    /// Copies every field out of `c`; throws INVALID_ARGUMENT for values the Swift type cannot hold.
    init(c: CMessage) throws
    /// Points every field of `c` at copies owned by `arena`.
    func fill(_ c: inout CMessage, _ arena: CArena)
}

/// A `CStruct` that is a whole message on its own (map entries are not: protoc-c makes no unpack for them).
protocol CBridged: CStruct {
    static var cUnpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<CMessage>? { get }
    /// The descriptor protobuf-c unpacks with, for `WireCheck`.
    static var cDescriptor: CMessageDescriptor { get }
}

extension CBridged {
    /// Unpacks `bytes` into memory of `arena` (released with the arena's scope) and copies the result into a
    /// Swift value.
    static func unpack(_ bytes: UnsafeRawBufferPointer, in arena: CArena, checked: Bool = true) throws -> Self {
        try Self(c: unpackC(bytes, in: arena, checked: checked).pointee)
    }

    /// Unpacks `bytes` into memory of `arena`; the struct lives until the arena's scope ends.
    ///
    /// Refuses what `WireCheck` refuses, unless `checked` is false (for a frame already refused, read for its call id).
    static func unpackC(_ bytes: UnsafeRawBufferPointer, in arena: CArena, checked: Bool = true) throws -> UnsafeMutablePointer<CMessage> {
        if checked { try WireCheck.check(bytes, cDescriptor) }
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        // protobuf-c returns NULL for any malformed input and says no more (PROTOBUF_C_UNPACK_ERROR is empty).
        guard let message = cUnpack(arena.allocator, bytes.count, base) else {
            throw TaskManagerError(.invalidArgument, "Invalid \(protoName) message")
        }
        return message
    }

    /// This value as a filled C struct in `arena`, seen as the `ProtobufCMessage` it starts with.
    func cMessage(in arena: CArena) -> UnsafePointer<ProtobufCMessage> {
        UnsafePointer<ProtobufCMessage>(OpaquePointer(arena.message(self)))
    }
}

/// Reads a proto3 string field: NULL and the empty default both mean "".
@inline(__always)
func readString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    guard let pointer else { return "" }
    return String(cString: pointer)
}

/// Reads a proto3 bytes field.
@inline(__always)
func readBytes(_ data: ProtobufCBinaryData) -> [UInt8] {
    guard data.len > 0, let base = data.data else { return [] }
    return Array(UnsafeBufferPointer(start: base, count: data.len))
}

/// Reads a `repeated string` field.
func readStrings(_ count: Int, _ pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
    guard count > 0, let pointers else { return [] }
    return (0..<count).map { readString(pointers[$0]) }
}

/// Reads a `repeated` message field.
func readMessages<M: CStruct>(_ count: Int, _ pointers: UnsafeMutablePointer<UnsafeMutablePointer<M.CMessage>?>?) throws -> [M] {
    guard count > 0, let pointers else { return [] }
    return try (0..<count).map { index in
        guard let element = pointers[index] else { throw TaskManagerError(.invalidArgument, "Invalid \(M.protoName) message") }
        return try M(c: element.pointee)
    }
}

/// Reads an optional message field.
func readMessage<M: CStruct>(_ pointer: UnsafeMutablePointer<M.CMessage>?) throws -> M? {
    guard let pointer else { return nil }
    return try M(c: pointer.pointee)
}

/// Reads a `map<string, string>` field (the last value of a key sent twice).
func readMap<Entry>(
    _ count: Int, _ pointers: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>?,
    _ pair: (Entry) -> (UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<CChar>?)
) -> [String: String] {
    guard count > 0, let pointers else { return [:] }
    var map: [String: String] = [:]
    for index in 0..<count {
        guard let entry = pointers[index] else { continue }
        let (key, value) = pair(entry.pointee)
        map[readString(key)] = readString(value)
    }
    return map
}

extension ByteBuffer {
    /// A copy of protobuf-c binary data.
    init(protobuf data: ProtobufCBinaryData) {
        self.init()
        if data.len > 0, let base = data.data {
            writeBytes(UnsafeRawBufferPointer(start: base, count: data.len))
        }
    }
}
