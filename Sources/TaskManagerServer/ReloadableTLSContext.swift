import NIOSSL
import Synchronization

/// The TLS context that new connections handshake with. `reload()` (on SIGHUP) reads the certificate, key and
/// client CA files again; connections already open keep the context they started with.
final class ReloadableTLSContext: Sendable {
    private let tls: ServerTLS
    private let context: Mutex<NIOSSLContext>

    /// - Throws: `TLSFileError` naming the file that cannot be used.
    init(_ tls: ServerTLS) throws {
        self.tls = tls
        context = Mutex(try tls.makeContext())
    }

    /// The context for the next connection.
    var current: NIOSSLContext { context.withLock { $0 } }

    /// Reads the files again and makes them the context of new connections; when one cannot be used this throws
    /// its `TLSFileError` and the current context stays.
    func reload() throws {
        let fresh = try tls.makeContext()
        context.withLock { $0 = fresh }
    }
}
