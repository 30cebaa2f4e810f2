import NIOCore
import NIOPosix
import TaskManagerCore
import TaskManagerProtocol

/// An async client of a TaskManager server over one connection, safe to share between tasks: concurrent calls
/// are pipelined on the connection and may complete in any order.
///
/// Every method throws `TaskManagerError` with the server's status code and message.
public final class TaskManagerClient: Sendable {
    /// The service's wire prefix, `/taskmanager.v1.TaskService/`.
    public static let servicePrefix = "/\(ServiceDescription.taskService.name)/"

    private let connection: ClientConnection
    private let apiKey: String?
    /// Deadline sent with every call, in milliseconds; 0 = none.
    public let timeoutMs: UInt32

    private init(connection: ClientConnection, apiKey: String?, timeoutMs: UInt32) {
        self.connection = connection
        self.apiKey = apiKey
        self.timeoutMs = timeoutMs
    }

    /// Connects to `host:port`.
    ///
    /// - Parameters:
    ///   - apiKey: sent as metadata `x-api-key` with every call.
    ///   - timeoutMs: deadline of every call; 0 = none.
    /// - Throws: `TaskManagerError` UNAVAILABLE when the server cannot be reached.
    public static func connect(
        host: String, port: Int, apiKey: String? = nil, timeoutMs: UInt32 = 0, maxFrameBytes: Int = FrameDecoder.defaultMaxFrameBytes
    ) async throws -> TaskManagerClient {
        do {
            let connection = try await ClientConnection.connect(host: host, port: port, maxFrameBytes: maxFrameBytes)
            return TaskManagerClient(connection: connection, apiKey: apiKey, timeoutMs: timeoutMs)
        } catch let error as NIOConnectionError {
            // NIO's description lists every address tried with debug detail; the first cause is what people need.
            let cause = error.connectionErrors.first.map { "\($0.error)" } ?? "\(error)"
            throw TaskManagerError(.unavailable, "Cannot connect to \(host):\(port): \(cause)")
        } catch {
            throw TaskManagerError(.unavailable, "Cannot connect to \(host):\(port): \(error)")
        }
    }

    /// Connects to an address written `host:port` (or `[v6]:port`); the port defaults to 7411.
    public static func connect(server: String, apiKey: String? = nil, timeoutMs: UInt32 = 0) async throws -> TaskManagerClient {
        let (host, port) = try ServerAddress.parse(server)
        return try await connect(host: host, port: port, apiKey: apiKey, timeoutMs: timeoutMs)
    }

    /// Closes the connection; calls in flight fail with UNAVAILABLE.
    public func close() async {
        await connection.close()
    }

    /// Sends `Ping` and waits for the `Pong`.
    public func ping() async throws {
        try await connection.ping()
    }

    /// Responses with call id 0 received so far: errors the server could not tie to a call.
    public var connectionErrors: [RPCStatus] { connection.connectionErrors }

    /// Calls any server-streaming method: yields each item; a non-OK final status is thrown at the end.
    /// Stopping the iteration early sends `Cancel`.
    public func stream<Request: WireMessage, Item: WireMessage>(
        _ method: String, _ request: Request, of item: Item.Type = Item.self, metadata: [String: String] = [:]
    ) -> AsyncThrowingStream<Item, any Error> {
        var metadata = metadata
        if let apiKey, metadata["x-api-key"] == nil { metadata["x-api-key"] = apiKey }
        let path = method.hasPrefix("/") ? method : Self.servicePrefix + method
        // Streams have no deadline of their own: they last until they end or are cancelled.
        let responses = connection.stream(method: path, payload: request.wireBytes(), timeoutMs: 0, metadata: metadata)
        let (items, continuation) = AsyncThrowingStream<Item, any Error>.makeStream()
        let pump = _Concurrency.Task {
            do {
                for try await response in responses {
                    if !response.endOfStream {
                        continuation.yield(try Item(wireBytes: response.payload))
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

    /// Calls any method with any message: the typed methods below are built on it.
    public func call<Request: WireMessage, Response: WireMessage>(
        _ method: String, _ request: Request, as response: Response.Type = Response.self,
        metadata: [String: String] = [:]
    ) async throws -> Response {
        var metadata = metadata
        if let apiKey, metadata["x-api-key"] == nil { metadata["x-api-key"] = apiKey }
        let path = method.hasPrefix("/") ? method : Self.servicePrefix + method
        return try await connection.call(method: path, request: request, as: Response.self, timeoutMs: timeoutMs, metadata: metadata)
    }
}
