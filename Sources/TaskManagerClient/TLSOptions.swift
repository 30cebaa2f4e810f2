import NIOCore
import NIOSSL
import TaskManagerCore

/// How the client talks TLS to the server: which CA to trust, an optional client certificate (for a server with
/// mutual TLS), and the name the server's certificate must carry.
public struct TLSOptions: Sendable {
    /// PEM file of the CA certificates to trust; nil = the system's trust store.
    public var caPath: String?
    /// PEM file of the client certificate (and intermediates), for servers that require one.
    public var certificatePath: String?
    /// PEM file of the client certificate's private key.
    public var privateKeyPath: String?
    /// The DNS name the server's certificate must be valid for (and the SNI sent); nil = the host connected to
    /// (an IP address is then checked against the certificate's IP address entries). Never empty.
    public var serverName: String?

    public init(caPath: String? = nil, certificatePath: String? = nil, privateKeyPath: String? = nil, serverName: String? = nil) {
        self.caPath = caPath
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.serverName = serverName
    }

    /// Reads the files once; every connection of the client (reconnects too) shares the context.
    /// - Throws: `TaskManagerError` INVALID_ARGUMENT naming a file that cannot be used, or for an empty server name.
    func makeContext() throws -> NIOSSLContext {
        guard serverName != "" else {
            throw TaskManagerError(.invalidArgument, "The TLS server name must not be empty")
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caPath {
            configuration.trustRoots = .certificates(try Self.certificates(caPath, "CA"))
        }
        switch (certificatePath, privateKeyPath) {
        case (nil, nil):
            break
        case (let certificatePath?, let privateKeyPath?):
            configuration.certificateChain = try Self.certificates(certificatePath, "certificate").map { .certificate($0) }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKeyPath, format: .pem))
            } catch {
                throw TaskManagerError(.invalidArgument, "Cannot use TLS key file \(privateKeyPath): \(error)")
            }
        default:
            throw TaskManagerError(.invalidArgument, "A TLS client certificate needs its key, and a key its certificate")
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TaskManagerError(.invalidArgument, "Cannot use the TLS certificate and key: \(error)")
        }
    }

    private static func certificates(_ path: String, _ role: String) throws -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw TaskManagerError(.invalidArgument, "Cannot use TLS \(role) file \(path): \(error)")
        }
        guard !certificates.isEmpty else {
            throw TaskManagerError(.invalidArgument, "Cannot use TLS \(role) file \(path): no PEM certificate in it")
        }
        return certificates
    }
}

/// A client's TLS, ready for its connections: the context built once, and the name to verify.
struct ClientTLS: Sendable {
    let context: NIOSSLContext
    let serverName: String?

    init(_ options: TLSOptions) throws {
        context = try options.makeContext()
        serverName = options.serverName
    }

    /// The name to send as SNI and to verify: the override, else the host unless it is an IP address (NIOSSL then
    /// checks the certificate's IP address entries against the address connected to).
    func hostname(for host: String) -> String? {
        if let serverName { return serverName }
        return Self.isIPAddress(host) ? nil : host
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}

