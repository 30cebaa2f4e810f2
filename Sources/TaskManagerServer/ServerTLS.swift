import NIOSSL

/// TLS on the server's port: its certificate and key, and optionally the CA that client certificates must be
/// signed by (mutual TLS).
///
/// TLS 1.2 and 1.3 only, with swift-nio-ssl's (BoringSSL's) default cipher suites, so that any standard TLS client
/// library can connect.
public struct ServerTLS: Sendable {
    /// PEM file with the server's certificate, followed by any intermediate certificates.
    public var certificatePath: String
    /// PEM file with the certificate's private key.
    public var privateKeyPath: String
    /// PEM file with the CA certificates that client certificates are verified against. When set, every client
    /// must present a certificate signed by one of them, or its handshake fails (mutual TLS).
    public var clientCAPath: String?
    /// With `clientCAPath`: worker calls (ClaimTask, ClaimTasks, UpdateProgress, Heartbeat, CompleteTask, FailTask)
    /// must carry a `worker_id` equal to the common name (CN) of the connection's client certificate; any other
    /// is refused with PERMISSION_DENIED.
    public var requireWorkerIdentity = false

    public init(certificatePath: String, privateKeyPath: String, clientCAPath: String? = nil, requireWorkerIdentity: Bool = false) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.clientCAPath = clientCAPath
        self.requireWorkerIdentity = requireWorkerIdentity
    }

    /// Whether clients must present a certificate.
    public var isMutual: Bool { clientCAPath != nil }

    /// Reads the files and builds the context every connection's handshake uses.
    /// - Throws: `TLSFileError` naming the file that cannot be read or parsed.
    func makeContext() throws -> NIOSSLContext {
        let configuration = try makeConfiguration()
        return try TLSFileError.reading(certificatePath, "certificate and key") { try NIOSSLContext(configuration: configuration) }
    }

    /// Reads the files into the server's TLS configuration (client certificates required with a client CA).
    /// - Throws: `TLSFileError` naming the file that cannot be read or parsed.
    public func makeConfiguration() throws -> TLSConfiguration {
        let chain = try TLSFileError.reading(certificatePath, "certificate") {
            try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        }
        let key = try TLSFileError.reading(privateKeyPath, "private key") {
            try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAPath {
            let roots = try TLSFileError.reading(clientCAPath, "client CA") { try NIOSSLCertificate.fromPEMFile(clientCAPath) }
            configuration.trustRoots = .certificates(roots)
            // Client certificates are checked against the CA; a client has no host name to check.
            configuration.certificateVerification = .noHostnameVerification
        }
        return configuration
    }
}

/// A TLS file that cannot be used: which file, what it was meant to hold, and BoringSSL's reason.
public struct TLSFileError: Error, CustomStringConvertible {
    public var path: String
    public var role: String
    public var cause: any Error

    public var description: String { "Cannot use TLS \(role) file \(path): \(cause)" }

    static func reading<T>(_ path: String, _ role: String, _ body: () throws -> T) throws -> T {
        do {
            let value = try body()
            if let list = value as? [Any], list.isEmpty { throw TLSFileError(path: path, role: role, cause: EmptyFile()) }
            return value
        } catch let error as TLSFileError {
            throw error
        } catch {
            throw TLSFileError(path: path, role: role, cause: error)
        }
    }

    struct EmptyFile: Error, CustomStringConvertible {
        var description: String { "no PEM certificate in it" }
    }
}
