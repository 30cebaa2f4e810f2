import NIOCore
import TaskManagerCore
import TaskManagerProtocol

/// Calls by method name with request and response as protobuf bytes, for generic callers (`taskmanager call`)
/// that build messages from the server's descriptors rather than from generated types.
extension TaskManagerClient {
    /// Calls a unary method and returns the response message's bytes.
    ///
    /// - Parameters:
    ///   - path: the wire method string, `/package.Service/Method`.
    ///   - payload: the request message's protobuf bytes, sent as they are.
    /// - Throws: `TaskManagerError` with the server's status code and message.
    public func rawCall(_ path: String, payload: [UInt8], metadata: [String: String] = [:]) async throws -> [UInt8] {
        let responses = try await connection().stream(
            method: path, payload: ByteBuffer(bytes: payload), timeoutMs: deadline(waitMs: 0), metadata: withAPIKey(metadata))
        for try await response in responses where response.endOfStream {
            guard response.status.code == .ok else { throw TaskManagerError(response.status.code, response.status.message) }
            return Array(response.payload.readableBytesView)
        }
        throw TaskManagerError(.unavailable, "Connection closed before the answer")
    }

    /// Calls a server-streaming method and yields each item's bytes; a non-OK final status is thrown at the end.
    /// Stopping the iteration early sends `Cancel`.
    public func rawStream(_ path: String, payload: [UInt8], metadata: [String: String] = [:]) -> AsyncThrowingStream<[UInt8], any Error> {
        stream(path: path, payload: ByteBuffer(bytes: payload), metadata: metadata) { Array($0.readableBytesView) }
    }

    /// The server's `google.protobuf.FileDescriptorSet` bytes, from `taskmanager.rpc.v1.Reflection`.
    public func fileDescriptorSet() async throws -> [UInt8] {
        let response = try await call(
            "/\(ServiceDescription.reflection.name)/GetFileDescriptorSet", RPCGetFileDescriptorSetRequest(),
            as: RPCGetFileDescriptorSetResponse.self)
        return Array(response.fileDescriptorSet.readableBytesView)
    }
}
