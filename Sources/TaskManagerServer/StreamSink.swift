import NIOConcurrencyHelpers
import NIOCore
import TaskManagerProtocol

/// Where a server-streaming handler sends its items: each becomes one `Response` with `end_of_stream = false`.
///
/// Sending never waits for the client: items the connection cannot take yet are queued per stream, up to a
/// limit; a consumer that falls further behind has its stream ended with RESOURCE_EXHAUSTED, so a slow reader
/// never slows the server or other calls. After that, or after a Cancel, `send` throws `CancellationError`.
public struct StreamSink<Item: WireMessage>: Sendable {
    let raw: RawStreamSink

    /// Queues `item` for the client.
    public func send(_ item: Item) throws {
        try raw.send(item.wireBytes())
    }
}

/// The connection's side of one stream: knows the call and hands encoded items to the connection's event loop.
final class RawStreamSink: Sendable {
    private let isEnded = NIOLockedValueBox(false)
    private let deliver: @Sendable (ByteBuffer) -> Void

    /// - Parameter deliver: called with each item, on any thread; hops to the connection's event loop itself.
    init(deliver: @escaping @Sendable (ByteBuffer) -> Void) {
        self.deliver = deliver
    }

    func send(_ payload: ByteBuffer) throws {
        guard !isEnded.withLockedValue({ $0 }) else { throw CancellationError() }
        deliver(payload)
    }

    /// Later sends throw: the stream was cancelled, timed out or overflowed.
    func end() {
        isEnded.withLockedValue { $0 = true }
    }
}
