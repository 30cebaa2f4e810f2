import CProtobufC
import Foundation
import NIOCore

/// Memory for protobuf-c struct graphs: what a message is unpacked into, and what a value is filled into for
/// packing, handed out from one standing block and released all at once.
///
/// An allocation is a pointer bump in the standing block; what does not fit gets a block of its own, freed at
/// the next `reset()`, so one large message does not keep the arena large. One arena serves one thread at a
/// time (an event loop's connections share one). Nothing handed out may be used after `reset()`.
public final class CArena {
    /// The size of the standing block, allocated at the first use.
    public static let standingBytes = 16 * 1024
    private static let alignment = 16

    private var block: UnsafeMutableRawPointer?
    private var used = 0
    /// Blocks of the allocations that did not fit, freed by `reset()`.
    private var oversized: [UnsafeMutableRawPointer] = []
    private var oversizedBytes = 0
    private var scopeDepth = 0
    /// The allocator protobuf-c unpacks with: every allocation comes from this arena, and frees are no-ops.
    let allocator: UnsafeMutablePointer<ProtobufCAllocator>

    public init() {
        allocator = .allocate(capacity: 1)
        allocator.initialize(to: ProtobufCAllocator(
            alloc: { data, size in Unmanaged<CArena>.fromOpaque(data!).takeUnretainedValue().allocate(size) },
            free: { _, _ in },
            allocator_data: nil))
        allocator.pointee.allocator_data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        freeOversized()
        free(block)
        allocator.deallocate()
    }

    /// Bytes held beyond the standing block; 0 after `reset()`.
    public var heldOversizedBytes: Int { oversizedBytes }

    /// Bytes handed out from the standing block since the last reset.
    public var usedBytes: Int { used }

    /// Runs `body` and, when it is the outermost scope, releases everything allocated during it. Scopes nest: a
    /// write triggered from inside a read (a stream catching up) must not free what the read still holds.
    public func withScope<T>(_ body: () throws -> T) rethrows -> T {
        scopeDepth += 1
        defer {
            scopeDepth -= 1
            if scopeDepth == 0 { reset() }
        }
        return try body()
    }

    /// Releases everything handed out.
    func reset() {
        used = 0
        if !oversized.isEmpty { freeOversized() }
    }

    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let size = max(size, 1)
        let rounded = (size + Self.alignment - 1) & ~(Self.alignment - 1)
        if block == nil {
            guard let fresh = malloc(Self.standingBytes) else { fatalError("out of memory") }
            block = fresh
        }
        if used + rounded <= Self.standingBytes, let block {
            defer { used += rounded }
            return block + used
        }
        guard let own = malloc(size) else { fatalError("out of memory") }
        oversized.append(own)
        oversizedBytes += size
        return own
    }

    private func freeOversized() {
        for block in oversized { free(block) }
        oversized.removeAll(keepingCapacity: true)
        oversizedBytes = 0
    }

    /// A NUL-terminated copy of `string`; nil for the empty string, which protobuf-c treats as unset for proto3.
    func string(_ string: String) -> UnsafeMutablePointer<CChar>? {
        if string.isEmpty { return nil }
        var string = string
        return string.withUTF8 { utf8 in
            let block = allocate(utf8.count + 1)
            block.copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
            block.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return block.assumingMemoryBound(to: CChar.self)
        }
    }

    /// A copy of `bytes` as protobuf-c binary data.
    func bytes(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        if bytes.isEmpty { return ProtobufCBinaryData(len: 0, data: nil) }
        let block = allocate(bytes.count)
        bytes.withUnsafeBytes { block.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        return ProtobufCBinaryData(len: bytes.count, data: block.assumingMemoryBound(to: UInt8.self))
    }

    /// A C struct in this arena, set up by `initialize` (a protobuf-c `__init` function).
    func make<T>(_ initialize: (UnsafeMutablePointer<T>) -> Void) -> UnsafeMutablePointer<T> {
        let pointer = allocate(MemoryLayout<T>.stride).bindMemory(to: T.self, capacity: 1)
        initialize(pointer)
        return pointer
    }

    /// A filled C struct for `message`, owned by this arena.
    func message<M: CStruct>(_ message: M) -> UnsafeMutablePointer<M.CMessage> {
        let pointer = make(M.cInit)
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

    /// A copy of `buffer`'s readable bytes as protobuf-c binary data.
    func bytes(_ buffer: ByteBuffer) -> ProtobufCBinaryData {
        buffer.withUnsafeReadableBytes { readable in
            guard let base = readable.baseAddress, readable.count > 0 else { return ProtobufCBinaryData(len: 0, data: nil) }
            let block = allocate(readable.count)
            block.copyMemory(from: base, byteCount: readable.count)
            return ProtobufCBinaryData(len: readable.count, data: block.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// A `map<string, string>` as protobuf-c's array of entry structs, sorted by key so that the same map packs to
    /// the same bytes. `set` stores a key and a value (arena strings) into an entry.
    func mapEntries<Entry>(
        _ map: [String: String], _ initialize: (UnsafeMutablePointer<Entry>) -> Void,
        _ set: (inout Entry, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<CChar>?) -> Void
    ) -> (count: Int, pointers: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>?) {
        if map.isEmpty { return (0, nil) }
        let array = allocate(MemoryLayout<UnsafeMutablePointer<Entry>?>.stride * map.count)
            .bindMemory(to: UnsafeMutablePointer<Entry>?.self, capacity: map.count)
        for (index, element) in map.sorted(by: { $0.key < $1.key }).enumerated() {
            let entry = make(initialize)
            set(&entry.pointee, string(element.key), string(element.value))
            array[index] = entry
        }
        return (map.count, array)
    }

    /// An array of C strings, as protobuf-c represents `repeated string` fields.
    func strings(_ strings: [String]) -> (count: Int, pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        if strings.isEmpty { return (0, nil) }
        let array = allocate(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * strings.count)
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: strings.count)
        for (index, text) in strings.enumerated() {
            // protobuf-c packs every element of a repeated string, the empty one too, so none may be NULL.
            array[index] = string(text) ?? { let empty = allocate(1).assumingMemoryBound(to: CChar.self); empty.pointee = 0; return empty }()
        }
        return (strings.count, array)
    }
}
