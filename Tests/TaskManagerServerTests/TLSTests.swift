import Foundation
import TaskManagerClient
import TaskManagerCore
import TaskManagerServer
import XCTest

/// TLS on the server's port (`--tls-cert`, `--tls-key`), with the real client and certificates made by openssl.
final class TLSTests: ServerTestCase {
    private var certificates: TestCertificates!

    override func setUp() async throws {
        try await super.setUp()
        certificates = try TestCertificates(in: directory.appendingPathComponent("certificates"))
    }

    private var serverTLS: ServerTLS {
        ServerTLS(certificatePath: certificates.serverCertificatePath, privateKeyPath: certificates.serverKeyPath)
    }

    private var trustingTLS: TLSOptions { TLSOptions(caPath: certificates.caPath) }

    func testCreateClaimAndCompleteWorkOverTLS() async throws {
        try await startServer({ $0.tls = self.serverTLS }, clientTLS: trustingTLS)
        try await registerType()
        let created = try await createTask()
        let claimed = try await claim()
        XCTAssertEqual(claimed?.id, created.id)
        _ = try await client.completeTask(CompleteTaskRequest(id: created.id, workerID: "w1", resultJSON: #"{"ok":true}"#))
        let task = try await client.getTask(id: created.id)
        XCTAssertEqual(task.status, .completed)
    }

    func testAPlaintextClientFailsAndTheServerKeepsServingTLSClients() async throws {
        let capture = LogCapture()
        try await startServer({ $0.tls = self.serverTLS }, logger: capture.logger(), clientTLS: trustingTLS)

        let plaintext = try await connect()
        await assertError(.unavailable, "Connection closed: the server speaks TLS: connect with TLS") { try await plaintext.health() }

        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
        let another = try await connect(tls: trustingTLS)
        let again = try await another.health()
        XCTAssertEqual(again.status, "healthy")
        XCTAssertTrue(capture.text.contains("TLS handshake failed: WRONG_VERSION_NUMBER"), capture.text)
    }

    func testAClientThatDoesNotTrustTheServersCAFailsTheHandshake() async throws {
        try await startServer({ $0.tls = self.serverTLS }, clientTLS: trustingTLS)

        await assertConnectFails(containing: "CERTIFICATE_VERIFY_FAILED") {
            try await self.connect(tls: TLSOptions(caPath: self.certificates.otherCAPath))
        }
        // The system's trust store does not know the test CA either.
        await assertConnectFails(containing: "CERTIFICATE_VERIFY_FAILED") { try await self.connect(tls: TLSOptions()) }
    }

    func testATLSClientAgainstAPlaintextServerFailsCleanly() async throws {
        try await startServer()

        await assertConnectFails(containing: "TLS handshake failed: WRONG_VERSION_NUMBER (does the server serve TLS?)") {
            try await self.connect(tls: self.trustingTLS)
        }
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
    }

    func testAServerNameOtherThanTheCertificatesFailsUnlessOverridden() async throws {
        // This certificate names only taskmanager.test, not the 127.0.0.1 the client connects to.
        try await startServer(
            {
                $0.tls = ServerTLS(
                    certificatePath: self.certificates.namedServerCertificatePath, privateKeyPath: self.certificates.namedServerKeyPath)
            }, clientTLS: TLSOptions(caPath: certificates.caPath, serverName: TestCertificates.namedServerName))
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")

        await assertConnectFails(containing: "127.0.0.1") { try await self.connect(tls: self.trustingTLS) }
        await assertConnectFails(containing: "other.test") {
            try await self.connect(tls: TLSOptions(caPath: self.certificates.caPath, serverName: "other.test"))
        }
    }

    func testAnEmptyServerNameIsRefusedBeforeConnecting() async throws {
        try await startServer({ $0.tls = self.serverTLS }, clientTLS: trustingTLS)

        await assertError(.invalidArgument, "The TLS server name must not be empty") {
            _ = try await self.connect(tls: TLSOptions(caPath: self.certificates.caPath, serverName: ""))
        }
    }

    func testTheClientReconnectsOverTLSAfterTheServerRestarts() async throws {
        try await startServer({ $0.tls = self.serverTLS }, clientTLS: trustingTLS)
        try await registerType()
        let created = try await createTask()
        let port = server.port
        await server.shutdown()
        await assertError(.unavailable) { try await self.client.health() }

        var configuration = ServerConfiguration()
        configuration.port = port
        configuration.databasePath = databasePath
        configuration.tls = serverTLS
        server = try await TaskManagerServer.start(configuration: configuration, clock: clock)
        let fetched = try await client.getTask(id: created.id)
        XCTAssertEqual(fetched.id, created.id)
    }

    func testAMissingCertificateFileStopsTheServerFromStarting() async throws {
        do {
            try await startServer {
                $0.tls = ServerTLS(certificatePath: self.directory.appendingPathComponent("missing.pem").path, privateKeyPath: self.certificates.serverKeyPath)
            }
            XCTFail("the server started")
        } catch let error as TLSFileError {
            XCTAssertTrue(error.description.contains("missing.pem"), error.description)
        }
    }

    /// Asserts that connecting fails with UNAVAILABLE and a message containing `text`.
    func assertConnectFails(
        containing text: String, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> TaskManagerClient
    ) async {
        do {
            let client = try await body()
            XCTFail("connected", file: file, line: line)
            await client.close()
        } catch let error as TaskManagerError {
            XCTAssertEqual(error.code, .unavailable, "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(text), error.message, file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }
}
