import ArgumentParser
import TaskManagerClient

/// The TLS options of every client command and of `taskmanager work`.
struct TLSClientOptions: ParsableArguments {
    @Flag(name: .customLong("tls"), help: "Connect with TLS, trusting the system's CAs unless --tls-ca (env TASKMANAGER_TLS=1).")
    var enabled = false

    @Option(name: .customLong("tls-ca"), help: "PEM file of the CA to trust for the server's certificate; implies --tls (env TASKMANAGER_TLS_CA).")
    var caPath: String?

    @Option(
        name: .customLong("tls-cert"),
        help: "PEM file of the client certificate, for a server with mutual TLS; implies --tls (env TASKMANAGER_CLIENT_CERT).")
    var certificatePath: String?

    @Option(name: .customLong("tls-key"), help: "PEM file of the client certificate's key (env TASKMANAGER_CLIENT_KEY).")
    var privateKeyPath: String?

    @Option(
        name: .customLong("tls-server-name"),
        help: "DNS name the server's certificate must have, instead of the host of --server; implies --tls (env TASKMANAGER_TLS_SERVER_NAME).")
    var serverName: String?

    /// The TLS to connect with, from options, then environment; nil = plaintext.
    /// - Throws: `ValidationError` for a certificate without its key (or the reverse), or a malformed variable.
    func resolved() throws -> TLSOptions? {
        let options = TLSOptions(
            caPath: caPath ?? Environment.string("TASKMANAGER_TLS_CA"),
            certificatePath: certificatePath ?? Environment.string("TASKMANAGER_CLIENT_CERT"),
            privateKeyPath: privateKeyPath ?? Environment.string("TASKMANAGER_CLIENT_KEY"),
            serverName: serverName ?? Environment.string("TASKMANAGER_TLS_SERVER_NAME"))
        guard (options.certificatePath == nil) == (options.privateKeyPath == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        let implied = options.caPath != nil || options.certificatePath != nil || options.serverName != nil
        guard try enabled || implied || Environment.flag("TASKMANAGER_TLS") else { return nil }
        return options
    }

    func validate() throws {
        _ = try resolved()
    }
}
