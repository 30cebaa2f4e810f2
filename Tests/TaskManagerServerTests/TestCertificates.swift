import Foundation

/// Real certificates for the TLS tests, made with the `openssl` command line in a directory of the test: a
/// throw-away CA, a server certificate for 127.0.0.1 and localhost signed by it, a client certificate with
/// CN=worker-1 signed by it, and, to be refused, a second CA with a client certificate of its own and a server
/// certificate that names only `taskmanager.test`. EC P-256 keys, valid for two days.
struct TestCertificates {
    let directory: URL
    var caPath: String { path("ca.pem") }
    var serverCertificatePath: String { path("server.pem") }
    var serverKeyPath: String { path("server.key") }
    /// Signed by the CA, for `taskmanager.test` only (no IP address, no localhost).
    var namedServerCertificatePath: String { path("named.pem") }
    var namedServerKeyPath: String { path("named.key") }
    /// CN=worker-1, signed by the CA.
    var clientCertificatePath: String { path("client.pem") }
    var clientKeyPath: String { path("client.key") }
    /// A CA that signed nothing the server uses.
    var otherCAPath: String { path("other-ca.pem") }
    /// CN=worker-1 too, but signed by the other CA.
    var rogueClientCertificatePath: String { path("rogue.pem") }
    var rogueClientKeyPath: String { path("rogue.key") }

    static let namedServerName = "taskmanager.test"
    static let clientCommonName = "worker-1"

    /// Makes every certificate in `directory` (created if missing).
    /// - Throws: when `openssl` is missing or fails, with its output.
    init(in directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try write("ca.cnf", """
            [req]
            distinguished_name = dn
            [dn]
            [ca]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            """)
        try write("server.ext", "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
        try write("named.ext", "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:\(Self.namedServerName)\n")
        try write("client.ext", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
        try makeCA("ca", subject: "/O=TaskManager tests/CN=Test CA")
        try makeCA("other-ca", subject: "/O=Somebody else/CN=Other CA")
        try issue("server", subject: "/CN=localhost", by: "ca", extensions: "server.ext")
        try issue("named", subject: "/CN=\(Self.namedServerName)", by: "ca", extensions: "named.ext")
        try issue("client", subject: "/O=TaskManager tests/CN=\(Self.clientCommonName)", by: "ca", extensions: "client.ext")
        try issue("rogue", subject: "/CN=\(Self.clientCommonName)", by: "other-ca", extensions: "client.ext")
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    private func makeCA(_ name: String, subject: String) throws {
        try Self.openssl(
            "req", "-x509", "-new", "-config", path("ca.cnf"), "-extensions", "ca", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).pem"),
            "-days", "2", "-subj", subject)
    }

    private func issue(_ name: String, subject: String, by ca: String, extensions: String) throws {
        try Self.openssl(
            "req", "-new", "-config", path("ca.cnf"), "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject)
        try Self.openssl(
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
            "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "2", "-extfile", path(extensions), "-out", path("\(name).pem"))
    }

    private static func openssl(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CertificateError(description: "openssl \(arguments.joined(separator: " ")) failed:\n\(text)")
        }
    }

    struct CertificateError: Error, CustomStringConvertible {
        var description: String
    }
}
