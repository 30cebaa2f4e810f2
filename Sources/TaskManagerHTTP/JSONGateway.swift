import Foundation
import Hummingbird
import NIOCore
import TaskManagerCore
import TaskManagerDynamic
import TaskManagerServer

/// The JSON gateway: `POST /taskmanager.v1.TaskService/<Method>` (and the Reflection service) with a JSON request
/// (the proto3 JSON mapping) answers with the JSON response, or `{"code": "not_found", "message": "..."}` with the
/// HTTP status of the RPC code (`ConnectCode`); server-streaming methods answer with server-sent events.
///
/// Calls run in process through the server's dispatcher, as the holder of the `Authorization: Bearer KEY`: the
/// binary port's keys, roles, rate limits, metrics and frame limit hold here too.
struct JSONGateway: Sendable {
    let server: TaskManagerServer
    let pool: DescriptorPool

    init(server: TaskManagerServer) throws {
        self.server = server
        pool = try DescriptorPool(fileDescriptorSet: TaskManagerServer.servedFileDescriptorSet)
    }

    func register(in router: Router<HTTPRequestContext>) {
        router.post("/:service/:method") { request, context in await call(request, context) }
        for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
            router.on("/:service/:method", method: method) { _, _ in
                var response = Self.error(
                    CallFailure(.unimplemented, "Calls are POST requests with a JSON body"), status: .methodNotAllowed)
                response.headers[.allow] = "POST"
                return response
            }
        }
    }

    private func call(_ request: Request, _ context: HTTPRequestContext) async -> Response {
        let path = "/\(context.parameters.get("service") ?? "")/\(context.parameters.get("method") ?? "")"
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            // Also what keeps a web page's form or text/plain post from calling a keyless server cross-site.
            return Self.error(
                CallFailure(.invalidArgument, "Content-Type must be application/json (curl: -H 'Content-Type: application/json')"),
                status: .unsupportedMediaType)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: server.configuration.maxFrameBytes)
        } catch {
            return Self.error(
                CallFailure(.resourceExhausted, "Request body over the frame limit of \(server.configuration.maxFrameBytes) bytes"),
                status: .contentTooLarge)
        }
        let method = pool.methods.first { $0.path == path }
        let apiKey = Self.bearer(request.headers[.authorization])
        let encode = { () throws -> [UInt8] in
            // The server refuses an unknown method (after the key check) before this is called.
            guard let method else { return [] }
            return try encodeRequest(body, as: method)
        }
        if let method, method.serverStreaming {
            return await stream(server.stream(path, apiKey: apiKey, request: encode), method, context)
        }
        switch await server.call(path, apiKey: apiKey, request: encode) {
        case .success(let bytes):
            guard let method else { return Self.error(CallFailure(.internal, "No descriptor for \(path)")) }
            do {
                return Self.json(.ok, try ProtoJSONDecoder(pool: pool).decode(bytes, as: method.outputType).canonicalText)
            } catch {
                return Self.error(CallFailure(.internal, "Response cannot be written as JSON: \(error)"))
            }
        case .failure(let failure) where failure.code == .unimplemented && method == nil:
            // No such route, rather than a method this server does not implement.
            return Self.error(
                CallFailure(.unimplemented, "Unknown method \(path)\(Self.unknownMethodHint(path, pool))"), status: .notFound)
        case .failure(let failure):
            return Self.error(failure)
        }
    }

    /// The request's protobuf bytes from the JSON body ({} when empty).
    private func encodeRequest(_ body: ByteBuffer, as method: MethodDescriptor) throws -> [UInt8] {
        guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
            throw TaskManagerError(.invalidArgument, "Invalid JSON: the request body is not UTF-8")
        }
        let json: JSONValue
        do {
            json = text.allSatisfy(\.isWhitespace) ? .object([:]) : try JSONValue.parseRefusingRepeatedKeys(text)
        } catch {
            throw TaskManagerError(.invalidArgument, "\(error)")
        }
        do {
            return try ProtoJSONEncoder(pool: pool).encode(json, as: method.inputType)
        } catch let error as ProtoJSONError {
            throw TaskManagerError(.invalidArgument, "Invalid \(method.name) request: \(error.description)")
        }
    }

    /// A stream's answer: its refusal as an error when it fails at once, before any item; else server-sent events,
    /// one `data: {json}` per item, then `event: end` (or `event: error` with the error) when the call ends. The
    /// client's disconnect cancels the call.
    private func stream(_ stream: InProcessStream, _ method: MethodDescriptor, _ context: HTTPRequestContext) async -> Response {
        // Weak: a kept-alive connection holds its callbacks until it closes, long after this stream ended.
        context.channel.closeFuture.whenComplete { [weak stream] _ in stream?.cancel() }
        // A stream that cannot start (an unknown task, a refused key) fails at once: it gets its status; a watch
        // with nothing to say yet gets its headers after this short wait.
        if let failure = await stream.failureBeforeFirstItem(waitingAtMost: Self.startWait) {
            return Self.error(failure)
        }
        let decoder = ProtoJSONDecoder(pool: pool)
        var response = Response(status: .ok, body: ResponseBody { writer in
            // A client that went away is seen only when a write fails: an idle watch writes a comment now and then.
            let ticks = _Concurrency.Task {
                while (try? await _Concurrency.Task.sleep(for: Self.keepAliveInterval)) != nil { stream.keepAlive() }
            }
            defer {
                ticks.cancel()
                stream.cancel()
            }
            do {
                for try await item in stream {
                    guard !item.isEmpty else {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        continue
                    }
                    let text = (try? decoder.decode(item, as: method.outputType).canonicalText) ?? "{}"
                    try await writer.write(ByteBuffer(string: "data: \(text)\n\n"))
                }
                try await writer.write(ByteBuffer(string: "event: end\ndata: {}\n\n"))
            } catch let failure as CallFailure {
                try await writer.write(ByteBuffer(string: "event: error\ndata: \(Self.errorJSON(failure))\n\n"))
            }
            try await writer.finish(nil)
        })
        response.headers[.contentType] = "text/event-stream"
        response.headers[.cacheControl] = "no-cache"
        return response
    }

    /// How often an idle stream writes a `: keep-alive` comment.
    static let keepAliveInterval: Duration = .seconds(5)

    /// How long a stream's answer waits for its first item or its failure before sending its headers.
    static let startWait: Duration = .milliseconds(200)

    /// The key of an `Authorization: Bearer KEY` header.
    static func bearer(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return header.dropFirst(7).trimmingCharacters(in: .whitespaces)
    }

    static func error(_ failure: CallFailure, status: HTTPResponse.Status? = nil) -> Response {
        let code = ConnectCode(failure.code)
        var response = json(status ?? code.status, errorJSON(failure))
        if failure.code == .unauthenticated { response.headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfterMs = failure.retryAfterMs {
            response.headers[.retryAfter] = "\(max(1, (retryAfterMs + 999) / 1000))"
        }
        return response
    }

    static func errorJSON(_ failure: CallFailure) -> String {
        JSONValue.object(["code": .string(ConnectCode(failure.code).name), "message": .string(failure.message)]).canonicalText
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
        response.headers[.contentType] = "application/json"
        return response
    }

    /// "; did you mean ...?" for a path close to a served method's.
    private static func unknownMethodHint(_ path: String, _ pool: DescriptorPool) -> String {
        do {
            _ = try pool.method(named: path)
            return ""
        } catch let error as ProtoJSONError {
            guard let range = error.message.range(of: "; did you mean ") else { return "" }
            return String(error.message[range.lowerBound...])
        } catch {
            return ""
        }
    }
}
