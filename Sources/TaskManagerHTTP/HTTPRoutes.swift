import Hummingbird
import NIOCore
import TaskManagerCore
import TaskManagerServer

/// The endpoints of the HTTP port.
///
/// `/healthz` and `/readyz` need no key: they say only whether the process runs and can take writes, which load
/// balancers and orchestrators must learn without holding a secret (as the binary port's Health). `/metrics`
/// needs `Authorization: Bearer KEY` with a key of role admin or metrics when the server has keys: its type names
/// and counts are the business's. Calls go through the `JSONGateway`; `/` is the `Dashboard`.
struct HTTPRoutes: Sendable {
    let server: TaskManagerServer
    let exporter: PrometheusExporter
    let gauges: ScrapeGauges
    let gateway: JSONGateway

    init(server: TaskManagerServer, exporter: PrometheusExporter) throws {
        self.server = server
        self.exporter = exporter
        gauges = ScrapeGauges(registry: exporter.registry)
        gateway = try JSONGateway(server: server)
    }

    func router() -> Router<HTTPRequestContext> {
        let router = Router(context: HTTPRequestContext.self)
        router.get("/healthz") { _, _ in Self.text(.ok, "ok\n") }
        router.get("/readyz") { _, _ in
            guard let reason = server.notReadyReason else { return Self.text(.ok, "ready\n") }
            return Self.text(.serviceUnavailable, "not ready: \(reason)\n")
        }
        router.get("/metrics") { request, _ in
            if let refusal = authorize(request.headers[.authorization]) { return refusal }
            await gauges.update(from: server)
            var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: exporter.registry.emitToBuffer())))
            response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        }
        gateway.register(in: router)
        Dashboard().register(in: router)
        return router
    }

    /// nil when `header` lets its bearer read the metrics; else the refusal: 401 (no key, an unknown key), 403 (a
    /// key of another role), 429 (over the key's rate limit).
    func authorize(_ header: String?) -> Response? {
        guard server.requiresAPIKey else { return nil }
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            var response = Self.text(.unauthorized, "unauthenticated: send Authorization: Bearer KEY\n")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        do {
            guard let caller = try server.caller(apiKey: String(header.dropFirst(7)).trimmingSpaces) else { return nil }
            guard caller.role == .admin || caller.role == .metrics else {
                return Self.text(.forbidden, "API key \"\(caller.name)\" (role \(caller.role.rawValue)) may not read metrics: use a key of role admin or metrics\n")
            }
            return nil
        } catch let error as TaskManagerError where error.code == .resourceExhausted {
            return Self.text(.tooManyRequests, "\(error.message)\n")
        } catch {
            var response = Self.text(.unauthorized, "unauthenticated: unknown API key\n")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: text)))
        response.headers[.contentType] = "text/plain; charset=utf-8"
        return response
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
