import Hummingbird
import NIOCore

/// The web dashboard at `/`: a static page, script and styles, served without a key (they hold no data; every
/// figure comes from the JSON gateway, with the key the user types in).
struct Dashboard: Sendable {
    func register(in router: Router<HTTPRequestContext>) {
        router.get("/") { _, _ in Self.asset(DashboardPage.text, type: "text/html; charset=utf-8") }
        router.get("/dashboard.js") { _, _ in Self.asset(DashboardScript.text, type: "text/javascript; charset=utf-8") }
        router.get("/dashboard.css") { _, _ in Self.asset(DashboardStyle.text, type: "text/css; charset=utf-8") }
    }

    private static func asset(_ text: String, type: String) -> Response {
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: text)))
        response.headers[.contentType] = type
        response.headers[.cacheControl] = "no-cache"
        // Only the server's own script and styles run, and no other site may frame the page.
        response.headers[.contentSecurityPolicy] = "default-src 'self'; frame-ancestors 'none'"
        return response
    }
}
