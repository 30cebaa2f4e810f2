#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import Synchronization
import TaskManagerCore
import TaskManagerProtocol

/// An async client of a TaskManager server over one connection, safe to share between tasks: concurrent calls
/// are pipelined on the connection and may complete in any order.
///
/// When the connection is lost (the server restarted, or sent GoAway), the calls in flight on it fail with
/// UNAVAILABLE, since they may or may not have been applied, and the next call opens a new connection. A call
/// is never sent twice by the client.
///
/// Every method throws `TaskManagerError` with the server's status code and message.
public final class TaskManagerClient: Sendable {
    /// The service's wire prefix, `/taskmanager.v1.TaskService/`.
    public static let servicePrefix = "/\(ServiceDescription.taskService.name)/"

    /// The connection calls go to, and the reconnect under way once it became unusable.
    private struct Slot {
        var connection: ClientConnection
        var reconnecting: _Concurrency.Task<ClientConnection, any Error>?
        var closed = false
    }

    private let host: String
    private let port: Int
    private let maxFrameBytes: Int
    private let slot: Mutex<Slot>
    private let apiKey: String?
    private let tls: ClientTLS?
    /// Deadline sent with every call, in milliseconds; 0 = none.
    public let timeoutMs: UInt32

    private init(
        connection: ClientConnection, host: String, port: Int, maxFrameBytes: Int, apiKey: String?, timeoutMs: UInt32, tls: ClientTLS?
    ) {
        slot = Mutex(Slot(connection: connection))
        self.tls = tls
        self.host = host
        self.port = port
        self.maxFrameBytes = maxFrameBytes
        self.apiKey = apiKey
        self.timeoutMs = timeoutMs
    }

    /// Connects to `host:port`.
    ///
    /// - Parameters:
    ///   - apiKey: sent as metadata `x-api-key` with every call.
    ///   - timeoutMs: deadline of every call; 0 = none.
    ///   - tls: talk TLS, verifying the server's certificate (and reconnect with TLS too); nil = plaintext.
    /// - Throws: `TaskManagerError` UNAVAILABLE when the server cannot be reached or the TLS handshake fails,
    ///   INVALID_ARGUMENT when a TLS file cannot be used.
    public static func connect(
        host: String, port: Int, apiKey: String? = nil, timeoutMs: UInt32 = 0, maxFrameBytes: Int = FrameDecoder.defaultMaxFrameBytes,
        tls: TLSOptions? = nil
    ) async throws -> TaskManagerClient {
        let tls = try tls.map { try ClientTLS($0) }
        let connection = try await open(host: host, port: port, maxFrameBytes: maxFrameBytes, tls: tls)
        return TaskManagerClient(
            connection: connection, host: host, port: port, maxFrameBytes: maxFrameBytes, apiKey: apiKey, timeoutMs: timeoutMs, tls: tls)
    }

    private static func open(host: String, port: Int, maxFrameBytes: Int, tls: ClientTLS?) async throws -> ClientConnection {
        do {
            return try await ClientConnection.connect(host: host, port: port, maxFrameBytes: maxFrameBytes, tls: tls)
        } catch let error as TaskManagerError {
            throw TaskManagerError(error.code, "Cannot connect to \(host):\(port): \(error.message)")
        } catch let error as NIOConnectionError {
            // NIO's description lists every address tried with debug detail; the first cause is what people need.
            let first = error.connectionErrors.first?.error
            if let refused = first as? IOError, refused.errnoCode == ECONNREFUSED {
                throw TaskManagerError(.unavailable, "Cannot connect to \(host):\(port): connection refused; is the server running on \(host):\(port)?")
            }
            let cause = first.map { "\($0)" } ?? "\(error)"
            throw TaskManagerError(.unavailable, "Cannot connect to \(host):\(port): \(cause)")
        } catch {
            throw TaskManagerError(.unavailable, "Cannot connect to \(host):\(port): \(error)")
        }
    }

    /// Connects to an address written `host:port` (or `[v6]:port`); the port defaults to 7411.
    public static func connect(
        server: String, apiKey: String? = nil, timeoutMs: UInt32 = 0, tls: TLSOptions? = nil
    ) async throws -> TaskManagerClient {
        let (host, port) = try ServerAddress.parse(server)
        return try await connect(host: host, port: port, apiKey: apiKey, timeoutMs: timeoutMs, tls: tls)
    }

    /// Closes the connection; calls in flight fail with UNAVAILABLE, and so do later calls.
    public func close() async {
        let (connection, reconnecting) = slot.withLock { slot in
            slot.closed = true
            return (slot.connection, slot.reconnecting)
        }
        await connection.close()
        if let fresh = try? await reconnecting?.value { await fresh.close() }
    }

    /// Sends `Ping` and waits for the `Pong`.
    public func ping() async throws {
        try await connection().ping()
    }

    /// Responses with call id 0 received so far on the current connection: errors the server could not tie to a
    /// call.
    public var connectionErrors: [RPCStatus] { slot.withLock { $0.connection }.connectionErrors }

    /// The connection to call on: the current one while it is usable, else a new one (one reconnect shared by
    /// the callers that find it lost).
    func connection() async throws -> ClientConnection {
        let (current, reconnecting) = try slot.withLock { slot -> (ClientConnection?, _Concurrency.Task<ClientConnection, any Error>?) in
            if slot.closed { throw TaskManagerError(.unavailable, "Client is closed") }
            if slot.connection.isUsable { return (slot.connection, nil) }
            if let reconnecting = slot.reconnecting { return (nil, reconnecting) }
            let (host, port, maxFrameBytes, tls) = (host, port, maxFrameBytes, tls)
            let reconnecting = _Concurrency.Task {
                try await Self.open(host: host, port: port, maxFrameBytes: maxFrameBytes, tls: tls)
            }
            slot.reconnecting = reconnecting
            return (nil, reconnecting)
        }
        if let current { return current }
        guard let reconnecting else { throw TaskManagerError(.unavailable, "Connection closed") }
        let result = await reconnecting.result
        let installed = slot.withLock { slot -> Bool in
            guard slot.reconnecting == reconnecting else { return !slot.closed }
            slot.reconnecting = nil
            if case .success(let fresh) = result, !slot.closed { slot.connection = fresh }
            return !slot.closed
        }
        let fresh = try result.get()
        guard installed else {
            await fresh.close()
            throw TaskManagerError(.unavailable, "Client is closed")
        }
        return fresh
    }

    /// Calls any server-streaming method: yields each item; a non-OK final status is thrown at the end.
    /// Stopping the iteration early sends `Cancel`.
    public func stream<Request: WireMessage, Item: WireMessage>(
        _ method: String, _ request: Request, of item: Item.Type = Item.self, metadata: [String: String] = [:]
    ) -> AsyncThrowingStream<Item, any Error> {
        let path = method.hasPrefix("/") ? method : Self.servicePrefix + method
        return stream(path: path, payload: request.wireBytes(), metadata: metadata) { try Item(wireBytes: $0) }
    }

    /// Starts a streaming call and yields its items as `item` reads them from their payloads.
    func stream<Item>(
        path: String, payload: ByteBuffer, metadata: [String: String], item: @escaping @Sendable (ByteBuffer) throws -> Item
    ) -> AsyncThrowingStream<Item, any Error> {
        let metadata = withAPIKey(metadata)
        // Streams have no deadline of their own: they last until they end or are cancelled.
        let (items, continuation) = AsyncThrowingStream<Item, any Error>.makeStream()
        let pump = _Concurrency.Task {
            do {
                let responses = try await connection().stream(method: path, payload: payload, timeoutMs: 0, metadata: metadata)
                for try await response in responses {
                    if !response.endOfStream {
                        continuation.yield(try item(response.payload))
                    } else if response.status.code != .ok {
                        throw TaskManagerError(response.status.code, response.status.message)
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in pump.cancel() }
        return items
    }

    /// Calls any method with any message without awaiting it: `completion` is called once with the response or
    /// the error, on the connection's event loop, with no Swift task or continuation per call. For callers that
    /// keep many calls in flight, such as a load generator; `call` is the one to use otherwise.
    public func send<Request: WireMessage, Response: WireMessage>(
        _ method: String, _ request: Request, as response: Response.Type = Response.self, metadata: [String: String] = [:],
        completion: @escaping @Sendable (Result<Response, any Error>) -> Void
    ) {
        let metadata = withAPIKey(metadata)
        let path = method.hasPrefix("/") ? method : Self.servicePrefix + method
        let timeoutMs = self.timeoutMs
        let current = slot.withLock { slot in slot.connection.isUsable && !slot.closed ? slot.connection : nil }
        guard let current else {
            // Lost: reconnect (or fail) as `call` does.
            _Concurrency.Task {
                do {
                    try await connection().call(method: path, request: request, as: Response.self, timeoutMs: timeoutMs, metadata: metadata, completion: completion)
                } catch {
                    completion(.failure(error))
                }
            }
            return
        }
        current.call(method: path, request: request, as: Response.self, timeoutMs: timeoutMs, metadata: metadata, completion: completion)
    }

    /// `metadata` with the client's API key as `x-api-key`, unless it has one.
    func withAPIKey(_ metadata: [String: String]) -> [String: String] {
        var metadata = metadata
        if let apiKey, metadata["x-api-key"] == nil { metadata["x-api-key"] = apiKey }
        return metadata
    }

    /// Calls any method with any message: the typed methods below are built on it.
    ///
    /// - Parameter waitMs: how long the server may wait before it answers (a long-poll claim); added to the
    ///   call's deadline, so that the wait does not end the call.
    public func call<Request: WireMessage, Response: WireMessage>(
        _ method: String, _ request: Request, as response: Response.Type = Response.self,
        metadata: [String: String] = [:], waitMs: UInt32 = 0
    ) async throws -> Response {
        let metadata = withAPIKey(metadata)
        let path = method.hasPrefix("/") ? method : Self.servicePrefix + method
        return try await connection().call(
            method: path, request: request, as: Response.self, timeoutMs: deadline(waitMs: waitMs), metadata: metadata)
    }

    /// The call deadline to send: `timeoutMs` plus the time the server may wait; 0 = none.
    func deadline(waitMs: UInt32) -> UInt32 {
        let (extended, overflow) = timeoutMs.addingReportingOverflow(waitMs)
        return timeoutMs == 0 ? 0 : overflow ? .max : extended
    }
}
