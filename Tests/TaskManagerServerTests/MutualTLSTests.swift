import Foundation
import TaskManagerClient
import TaskManagerCore
import TaskManagerServer
import XCTest

/// Mutual TLS (`--tls-client-ca`): clients need a certificate signed by the CA, and its subject is the
/// connection's identity (`--tls-worker-identity`).
final class MutualTLSTests: ServerTestCase {
    private var certificates: TestCertificates!

    override func setUp() async throws {
        try await super.setUp()
        certificates = try TestCertificates(in: directory.appendingPathComponent("certificates"))
    }

    private func mutualTLS(workerIdentity: Bool = false) -> ServerTLS {
        ServerTLS(
            certificatePath: certificates.serverCertificatePath, privateKeyPath: certificates.serverKeyPath,
            clientCAPath: certificates.caPath, requireWorkerIdentity: workerIdentity)
    }

    private var workerTLS: TLSOptions {
        TLSOptions(caPath: certificates.caPath, certificatePath: certificates.clientCertificatePath, privateKeyPath: certificates.clientKeyPath)
    }

    func testAClientWithoutACertificateIsRefused() async throws {
        try await startServer({ $0.tls = self.mutualTLS() }, clientTLS: workerTLS)

        // Under TLS 1.3 the client's side of the handshake ends before the server checks its certificate, so the
        // refusal may arrive with the first call instead of at connect.
        await assertRefused(containing: "CERTIFICATE_REQUIRED") { try await self.connect(tls: TLSOptions(caPath: self.certificates.caPath)) }
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
    }

    func testAClientCertificateSignedByAnotherCAIsRefused() async throws {
        try await startServer({ $0.tls = self.mutualTLS() }, clientTLS: workerTLS)

        await assertRefused(containing: "UNKNOWN_CA") {
            try await self.connect(
                tls: TLSOptions(
                    caPath: self.certificates.caPath, certificatePath: self.certificates.rogueClientCertificatePath,
                    privateKeyPath: self.certificates.rogueClientKeyPath))
        }
    }

    func testTheServerLogsTheClientCertificatesSubject() async throws {
        let capture = LogCapture()
        try await startServer({ $0.tls = self.mutualTLS() }, logger: capture.logger(), clientTLS: workerTLS)
        _ = try await client.health()

        XCTAssertTrue(capture.text.contains("TLS connection"), capture.text)
        XCTAssertTrue(capture.text.contains("subject=O=TaskManager tests,CN=worker-1"), capture.text)
    }

    func testWithWorkerIdentityOnlyTheCertificatesCommonNameMayWork() async throws {
        try await startServer({ $0.tls = self.mutualTLS(workerIdentity: true) }, clientTLS: workerTLS)
        try await registerType()
        let created = try await createTask()

        await assertError(.permissionDenied, #"Worker "worker-2" does not match the client certificate's common name "worker-1""#) {
            try await self.claim("worker-2")
        }
        let claimed = try await claim(TestCertificates.clientCommonName)
        XCTAssertEqual(claimed?.id, created.id)
        await assertError(.permissionDenied) {
            try await self.client.completeTask(CompleteTaskRequest(id: created.id, workerID: "worker-2", resultJSON: "{}"))
        }
        _ = try await client.completeTask(CompleteTaskRequest(id: created.id, workerID: TestCertificates.clientCommonName, resultJSON: "{}"))
        let task = try await client.getTask(id: created.id)
        XCTAssertEqual(task.status, .completed)
    }

    func testWithoutWorkerIdentityAnyWorkerIDIsAccepted() async throws {
        try await startServer({ $0.tls = self.mutualTLS() }, clientTLS: workerTLS)
        try await registerType()
        let created = try await createTask()
        let claimed = try await claim("worker-2")
        XCTAssertEqual(claimed?.id, created.id)
    }

    /// Asserts that the connection fails with UNAVAILABLE and `reason` in the message, at connect or at its first call.
    private func assertRefused(
        containing reason: String, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> TaskManagerClient
    ) async {
        do {
            let client = try await body()
            _ = try await client.health()
            XCTFail("a call was answered", file: file, line: line)
        } catch let error as TaskManagerError {
            XCTAssertEqual(error.code, .unavailable, "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(reason), error.message, file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }
}
