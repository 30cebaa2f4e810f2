import NIOCore
import Synchronization
import TaskManagerProtocol

/// One `CArena` per event loop, shared by the loop's connections: an arena serves one thread at a time, and one
/// per loop rather than per connection keeps idle connections free of standing blocks.
final class LoopArenas: Sendable {
    private let arenas = Mutex<[ObjectIdentifier: NIOLoopBound<CArena>]>([:])

    /// The arena of `eventLoop`; call it on that loop.
    func arena(for eventLoop: any EventLoop) -> CArena {
        arenas.withLock { arenas in
            let key = ObjectIdentifier(eventLoop)
            if let bound = arenas[key] { return bound.value }
            let bound = NIOLoopBound(CArena(), eventLoop: eventLoop)
            arenas[key] = bound
            return bound.value
        }
    }

    /// What the arenas hold right now, each read on its own loop: bytes in use in the standing blocks, and bytes of
    /// blocks beyond them. Between calls both are 0; for tests.
    func held() async throws -> (usedBytes: Int, oversizedBytes: Int) {
        let bound = arenas.withLock { Array($0.values) }
        var total = (usedBytes: 0, oversizedBytes: 0)
        for arena in bound {
            let held = try await arena.eventLoop.submit { (arena.value.usedBytes, arena.value.heldOversizedBytes) }.get()
            total.usedBytes += held.0
            total.oversizedBytes += held.1
        }
        return total
    }
}
