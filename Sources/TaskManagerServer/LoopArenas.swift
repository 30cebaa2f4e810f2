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
}
