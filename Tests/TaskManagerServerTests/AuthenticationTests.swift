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
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), "127.0.0.1")
        configuration.allowUnauthenticatedRemote = true
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), "0.0.0.0")
        configuration.allowUnauthenticatedRemote = false
        configuration.apiKey = "k"
        XCTAssertEqual(TaskManagerServer.bindAddress(configuration, logger: .init(label: "t")), "0.0.0.0")
    }
}
