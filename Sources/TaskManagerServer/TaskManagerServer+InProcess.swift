import Foundation
import NIOCore
import TaskManagerCore
import TaskManagerProtocol

/// Calls made in process, for the HTTP port's JSON gateway: the same dispatcher as the binary port's calls, with
/// the same key checks, roles, rate limits, metrics and limits, without a connection.
extension TaskManagerServer {
    /// The protoc `FileDescriptorSet` of every served proto, as the Reflection service answers it.
    public static var servedFileDescriptorSet: [UInt8] {
        Array(Data(base64Encoded: ServedDescriptors.fileDescriptorSetBase64) ?? Data())
    }

    /// Calls the unary method at `path` (`/taskmanager.v1.TaskService/GetTask`) as the holder of `apiKey` (the
    /// binary port's `x-api-key`).
    ///
    /// - Parameter request: makes the request's protobuf bytes; called only once the key may call the method, so
    ///   that strangers learn nothing. What it throws ends the call: `TaskManagerError` with its code, anything else
    ///   INVALID_ARGUMENT.
    /// - Returns: the response's protobuf bytes, or how the call failed.
    public func call(_ path: String, apiKey: String?, request: () throws -> [UInt8]) async -> Result<[UInt8], CallFailure> {
        let startedNs = NIODeadline.now().uptimeNanoseconds
        let answer: Dispatcher.Answer
        switch startInProcess(path, apiKey: apiKey, request: request) {
        case .answered(let answered, let metrics):
            metrics?.answered(answered, startedNs: startedNs)
            answer = answered
        case .started(_, let metrics, let begin):
            metrics?.started()
            answer = await withCheckedContinuation { continuation in begin { continuation.resume(returning: $0) } }
            metrics?.finished(answer, startedNs: startedNs)
        case .unary(_, let metrics, let body):
            metrics?.started()
            answer = await body()
            metrics?.finished(answer, startedNs: startedNs)
        case .serverStreaming(let name, _, _):
            return .failure(CallFailure(.invalidArgument, "\(name) is a server-streaming method: call it as a stream"))
        }
        guard case .message(let message) = answer else {
            return .failure(CallFailure(answer) ?? CallFailure(.internal, "No response"))
        }
        let bytes = Array(message.wireBytes().readableBytesView)
        // The binary port's limit on an answer holds here too, so that the gateway asks no more of the server.
        guard bytes.count <= dispatcher.maxFrameBytes else {
            let status = dispatcher.tooLarge(bytes.count)
            return .failure(CallFailure(status.code, status.message))
        }
        return .success(bytes)
    }

    /// Starts the server-streaming method at `path` as the holder of `apiKey`; see `call` for `request`.
    ///
    /// The stream ends when the call does, when it is cancelled, and with UNAVAILABLE when the server shuts down.
    public func stream(_ path: String, apiKey: String?, request: () throws -> [UInt8]) -> InProcessStream {
        let startedNs = NIODeadline.now().uptimeNanoseconds
        let stream = InProcessStream(backlogLimit: configuration.streamBacklogLimit)
        switch startInProcess(path, apiKey: apiKey, request: request) {
        case .answered(let answer, let metrics):
            metrics?.answered(answer, startedNs: startedNs)
            stream.end(CallFailure(answer) ?? CallFailure(.invalidArgument, "\(path) is a unary method: call it without a stream"))
        case .started(let name, let metrics, _), .unary(let name, let metrics, _):
            metrics?.answered(.status(RPCStatus(code: .invalidArgument, message: "")), startedNs: startedNs)
            stream.end(CallFailure(.invalidArgument, "\(name) is a unary method: call it without a stream"))
        case .serverStreaming(_, let metrics, let body):
            guard inProcessStreams.add(stream) else {
                stream.end(CallFailure(.unavailable, "Server is shutting down"))
                return stream
            }
            let sink = stream.makeSink()
            metrics?.started()
            let streams = inProcessStreams
            stream.attach(
                _Concurrency.Task {
                    let status = await body(sink)
                    metrics?.finished(.status(status), startedNs: startedNs)
                    streams.remove(stream)
                    stream.end(CallFailure(.status(status)))
                })
        }
        return stream
    }

    /// Resolves, authorizes and starts a call as the binary port's `Dispatcher.start` does.
    private func startInProcess(_ path: String, apiKey: String?, request: () throws -> [UInt8]) -> Dispatcher.Call {
        Array(path.utf8).withUnsafeBytes { pathBytes in
            guard !shutdownState.withLockedValue({ $0 }) else {
                return .answered(.status(RPCStatus(code: .unavailable, message: "Server is shutting down")), dispatcher.metrics(at: pathBytes))
            }
            do {
                let (method, caller) = try dispatcher.resolve(pathBytes, name: path, apiKey: apiKey)
                let payload: [UInt8]
                do {
                    payload = try request()
                } catch let error as TaskManagerError {
                    throw error
                } catch {
                    throw TaskManagerError(.invalidArgument, "\(error)")
                }
                let arena = CArena()
                return try arena.withScope {
                    try payload.withUnsafeBytes { payload in
                        try dispatcher.run(method, payload, arena, CallContext(callID: 0, caller: caller), name: path)
                    }
                }
            } catch {
                return .answered(dispatcher.refusal(error, in: path), dispatcher.metrics(at: pathBytes))
            }
        }
    }
}
