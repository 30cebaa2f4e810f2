@testable import TaskManagerServer
import TaskManagerClient
import TaskManagerCore
import TaskManagerProtocol
import XCTest

final class AuthenticationTests: ServerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer { $0.apiKey = "s3cret" }
    }

    func testCallsWithTheKeySucceed() async throws {
        try await registerType()
        let types = try await client.listTaskTypes()
        XCTAssertEqual(types.count, 1)
    }

    func testMissingOrWrongKeyIsUnauthenticated() async throws {
        for key in [nil, "wrong", "s3cret "] {
            let stranger = try await connect(apiKey: key)
            await assertError(.unauthenticated, "Invalid or missing API key") { try await stranger.listTaskTypes() }
        }
    }

    func testHealthNeedsNoKey() async throws {
        let stranger = try await connect(apiKey: nil)
        let health = try await stranger.health()
        XCTAssertEqual(health.status, "healthy")
    }

    func testAuthenticationIsCheckedBeforeTheMethodLookup() async throws {
        let stranger = try await connect(apiKey: nil)
        await assertError(.unauthenticated) {
            try await stranger.call("NoSuchMethod", HealthRequest(), as: HealthResponse.self)
        }
        await assertError(.unimplemented) {
            try await self.client.call("NoSuchMethod", HealthRequest(), as: HealthResponse.self)
        }
    }

    func testWithoutAKeyANonLoopbackHostFallsBackToLoopback() async throws {
        var configuration = ServerConfiguration()
        configuration.host = "0.0.0.0"
        // TLS is not what is missing here.
        configuration.allowPlaintextRemote = true
        let capture = LogCapture()
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: capture.logger()), "127.0.0.1")
        XCTAssertTrue(capture.text.contains("No API key set: binding 127.0.0.1 instead of 0.0.0.0"), capture.text)
        configuration.allowUnauthenticatedRemote = true
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), "0.0.0.0")
        configuration.allowUnauthenticatedRemote = false
        configuration.apiKey = "k"
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), "0.0.0.0")
    }

    func testWithoutTLSANonLoopbackHostFallsBackToLoopback() async throws {
        var configuration = ServerConfiguration()
        configuration.host = "0.0.0.0"
        configuration.apiKey = "k"
        let capture = LogCapture()
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: capture.logger()), "127.0.0.1")
        XCTAssertTrue(
            capture.text.contains(
                "No TLS: binding 127.0.0.1 instead of 0.0.0.0. Set --tls-cert and --tls-key, or --allow-plaintext-remote to bind 0.0.0.0 anyway"),
            capture.text)
        XCTAssertFalse(capture.text.contains("No API key set"), capture.text)

        let allowed = LogCapture()
        configuration.allowPlaintextRemote = true
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: allowed.logger()), "0.0.0.0")
        XCTAssertTrue(allowed.text.contains("No TLS: calls and API keys to 0.0.0.0 travel in clear text"), allowed.text)

        configuration.allowPlaintextRemote = false
        configuration.tls = ServerTLS(certificatePath: "server.pem", privateKeyPath: "server.key")
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), "0.0.0.0")
    }

    func testWithNeitherKeyNorTLSBothAreNamedAndLoopbackIsBound() async throws {
        var configuration = ServerConfiguration()
        configuration.host = "10.1.2.3"
        let capture = LogCapture()
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: capture.logger()), "127.0.0.1")
        XCTAssertTrue(capture.text.contains("No API key set: binding 127.0.0.1 instead of 10.1.2.3"), capture.text)
        XCTAssertTrue(capture.text.contains("No TLS: binding 127.0.0.1 instead of 10.1.2.3"), capture.text)
        configuration.allowUnauthenticatedRemote = true
        configuration.allowPlaintextRemote = true
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), "10.1.2.3")
    }

    func testClientCertificatesCountAsAuthenticationForARemoteHost() async throws {
        var configuration = ServerConfiguration()
        configuration.host = "0.0.0.0"
        configuration.tls = ServerTLS(certificatePath: "server.pem", privateKeyPath: "server.key")
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), "127.0.0.1")
        configuration.tls?.clientCAPath = "ca.pem"
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), "0.0.0.0")
    }

    func testALoopbackHostIsBoundWithoutKeyOrTLS() async throws {
        for host in ["127.0.0.1", "127.0.0.2", "::1", "localhost"] {
            var configuration = ServerConfiguration()
            configuration.host = host
            XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), host)
        }
    }

    func testAServerWithAKeyButNoTLSAskedForARemoteHostListensOnLoopback() async throws {
        await client.close()
        await server.shutdown()
        try await startServer {
            $0.apiKey = "s3cret"
            $0.host = "0.0.0.0"
        }
        XCTAssertEqual(server.host, "127.0.0.1")
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
    }
}
