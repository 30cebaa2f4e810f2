import CProtobufC
import Foundation

/// Owns every C allocation made while filling a protobuf-c struct graph for packing, and frees them all at once.
///
/// protobuf-c packs from `char *` and struct pointers that must stay valid until `pack` returns; one arena per
/// message keeps them alive exactly that long.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        for block in blocks { free(block) }
    }

    private func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        // malloc(0) may return NULL; never ask for zero bytes.
        guard let block = malloc(max(size, 1)) else { fatalError("out of memory") }
        blocks.append(block)
        return block
    }

    /// A NUL-terminated copy of `string`; nil for the empty string, which protobuf-c treats as unset for proto3.
    func string(_ string: String) -> UnsafeMutablePointer<CChar>? {
        if string.isEmpty { return nil }
        var utf8 = string.utf8CString
        let count = utf8.count
        let block = allocate(count)
        utf8.withUnsafeMutableBytes { block.copyMemory(from: $0.baseAddress!, byteCount: count) }
        return block.assumingMemoryBound(to: CChar.self)
    }

    /// A copy of `bytes` as protobuf-c binary data.
    func bytes(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        if bytes.isEmpty { return ProtobufCBinaryData(len: 0, data: nil) }
        let block = allocate(bytes.count)
        bytes.withUnsafeBytes { block.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        return ProtobufCBinaryData(len: bytes.count, data: block.assumingMemoryBound(to: UInt8.self))
    }

    /// A filled C struct for `message`, owned by this arena.
    func message<M: CStruct>(_ message: M) -> UnsafeMutablePointer<M.CMessage> {
        let pointer = allocate(MemoryLayout<M.CMessage>.stride).bindMemory(to: M.CMessage.self, capacity: 1)
        M.cInit(pointer)
        message.fill(&pointer.pointee, self)
        return pointer
    }

    /// An array of filled C structs, as protobuf-c represents `repeated` message fields.
    func messages<M: CStruct>(_ messages: [M]) -> (count: Int, pointers: UnsafeMutablePointer<UnsafeMutablePointer<M.CMessage>?>?) {
        if messages.isEmpty { return (0, nil) }
        let array = allocate(MemoryLayout<UnsafeMutablePointer<M.CMessage>?>.stride * messages.count)
            .bindMemory(to: UnsafeMutablePointer<M.CMessage>?.self, capacity: messages.count)
        for (index, message) in messages.enumerated() {
            array[index] = self.message(message)
        }
        return (messages.count, array)
    }
}
