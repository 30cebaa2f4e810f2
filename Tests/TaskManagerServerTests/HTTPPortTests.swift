import Foundation
import Logging
import Synchronization
import TaskManagerClient
import TaskManagerCore
import TaskManagerHTTP
import TaskManagerServer
@testable import TaskManagerStore
import XCTest

/// The HTTP side port on a real server, read with the real `curl`: /readyz turns 503 when the writer can no longer
/// be trusted (a failed WAL sync, final until a restart) while /healthz stays 200, and the port closes on `stop()`.
final class HTTPPortTests: ServerTestCase {
    private var http: HTTPServer?
    private var httpPort = 0

    override func tearDown() async throws {
        await http?.stop()
        try await super.tearDown()
    }

    func testReadyzIsServiceUnavailableAfterAFailedSync() async throws {
        let syncWorks = Mutex(true)
        let store = try SQLiteTaskStore(
            path: databasePath, recordHistory: true, synchronous: .full, readConnections: 2,
            checkpointLimits: WALCheckpointer.Limits(), syncFile: { descriptor in
                syncWorks.withLock { $0 } ? fdatasync(descriptor) : -1
            })
        try await startServer(store: store)
        XCTAssertEqual(try curl("/readyz"), Answer(status: 200, body: "ready\n"))
        XCTAssertEqual(try metric("taskmanager_ready"), "1.0")

        syncWorks.withLock { $0 = false }
        do {
            try await registerType()
            XCTFail("a write whose sync failed was acknowledged")
        } catch let error as TaskManagerError {
            XCTAssertEqual(error.code, .internal)
        }
        XCTAssertEqual(
            try curl("/readyz"),
            Answer(status: 503, body: "not ready: a WAL sync failed: writes are refused until the server restarts\n"))
        XCTAssertEqual(try curl("/healthz"), Answer(status: 200, body: "ok\n"))
        XCTAssertEqual(try metric("taskmanager_ready"), "0.0")
        // The Health RPC says so too: the database answers, the server cannot take writes.
        let health = try await client.health()
        XCTAssertEqual(health.status, "unhealthy")
        XCTAssertEqual(health.database, "connected")
        XCTAssertEqual(try metric(#"taskmanager_calls_total{method="RegisterTaskType",code="INTERNAL"}"#), "1")
    }

    func testStopClosesThePortAndShutdownMakesItNotReady() async throws {
        try await startServer()
        XCTAssertEqual(try curl("/healthz").status, 200)
        await server.shutdown()
        XCTAssertEqual(try curl("/readyz"), Answer(status: 503, body: "not ready: server is shutting down\n"))
        await http?.stop()
        http = nil
        XCTAssertEqual(try curl("/healthz").status, 0, "curl connects to nothing")
    }

    /// With TLS on the server the port serves HTTPS with its certificate, and asks for no client certificate even
    /// when the binary port does (probes have none); plain HTTP gets no answer.
    func testWithTLSThePortServesHTTPSWithoutClientCertificates() async throws {
        let certificates = try TestCertificates(in: directory.appendingPathComponent("certificates"))
        try await startServer(
            tls: ServerTLS(
                certificatePath: certificates.serverCertificatePath, privateKeyPath: certificates.serverKeyPath,
                clientCAPath: certificates.caPath))
        XCTAssertEqual(try curl("/readyz", scheme: "https", "--cacert", certificates.caPath), Answer(status: 200, body: "ready\n"))
        XCTAssertEqual(try curl("/metrics", scheme: "https", "--cacert", certificates.caPath).status, 200)
        XCTAssertEqual(try curl("/healthz").status, 0, "plain HTTP is not served")
        XCTAssertEqual(try curl("/healthz", scheme: "https").status, 0, "a client that does not trust the CA refuses")
    }

    private func startServer(store: (any TaskStore)? = nil, tls: ServerTLS? = nil) async throws {
        let exporter = PrometheusExporter()
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.databasePath = databasePath
        configuration.shutdownGraceSeconds = 2
        configuration.tls = tls
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        server = try await TaskManagerServer.start(
            configuration: configuration, store: store, clock: clock, logger: logger, metrics: exporter.serverMetrics)
        if tls == nil { client = try await connect() }
        http = try await HTTPServer.start(host: "127.0.0.1", port: 0, server: server, exporter: exporter, logger: logger)
        httpPort = http!.port
    }

    private struct Answer: Equatable {
        var status: Int
        var body: String
    }

    /// GET with the curl binary; status 0 when it cannot connect.
    private func curl(_ path: String, scheme: String = "http", _ options: String...) throws -> Answer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["--silent", "--max-time", "10", "--write-out", "%{http_code}"] + options + ["\(scheme)://127.0.0.1:\(httpPort)\(path)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        return Answer(status: Int(text.suffix(3)) ?? -1, body: String(text.dropLast(3)))
    }

    /// The value of the sample `name` (with its labels, as written) in /metrics.
    private func metric(_ name: String) throws -> String? {
        let answer = try curl("/metrics")
        XCTAssertEqual(answer.status, 200)
        return answer.body.split(separator: "\n").first { $0.hasPrefix(name + " ") }.map { String($0.dropFirst(name.count + 1)) }
    }
}
