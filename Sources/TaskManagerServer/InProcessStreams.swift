import Synchronization

/// The in-process streams running, so that a shutdown can end them as it ends the binary port's.
final class InProcessStreams: Sendable {
    private let state = Mutex<(streams: [ObjectIdentifier: InProcessStream], closed: Bool)>(([:], false))

    /// Adds `stream`; false once `endAll` ran.
    func add(_ stream: InProcessStream) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.streams[ObjectIdentifier(stream)] = stream
            return true
        }
    }

    func remove(_ stream: InProcessStream) {
        _ = state.withLock { $0.streams.removeValue(forKey: ObjectIdentifier(stream)) }
    }

    /// Ends every stream with UNAVAILABLE, so that clients resume elsewhere; later streams are refused.
    func endAll() {
        let streams = state.withLock { state in
            state.closed = true
            defer { state.streams = [:] }
            return Array(state.streams.values)
        }
        for stream in streams { stream.end(CallFailure(.unavailable, "Server is shutting down")) }
    }
}
