import Crypto
import Logging
import Synchronization
import TaskManagerCore

/// Checks the `x-api-key` metadata of a call: against the one shared key (`--api-key`, role admin) and the keys of
/// the keys file (`--keys-file`, each with a name and a role), in constant time. The keys file is read again by
/// `reload()` (on SIGHUP); calls in flight and open connections are not affected.
final class APIKeyAuthenticator: Sendable {
    static let metadataKey = "x-api-key"
    /// The name calls made with the shared `--api-key` go by.
    static let sharedKeyName = "api-key"

    private let sharedDigest: [UInt8]?
    private let keysPath: String?
    private let entries: Mutex<[KeysFile.Entry]>
    private let limiter = RateLimiter()

    /// - Parameters:
    ///   - apiKey: the shared key; nil or "" for none.
    ///   - keysPath: the keys file; nil for none. Read now: a file that cannot be read fails the start.
    /// With neither, authentication is off.
    init(apiKey: String?, keysPath: String?) throws {
        sharedDigest = apiKey.flatMap { $0.isEmpty ? nil : KeysFile.digest(of: $0) }
        self.keysPath = keysPath
        entries = Mutex(try keysPath.map { try KeysFile.read($0).entries } ?? [])
    }

    var isEnabled: Bool { sharedDigest != nil || keysPath != nil }

    /// Who `key` (the call's `x-api-key` metadata) belongs to; nil when authentication is off.
    ///
    /// - Throws: UNAUTHENTICATED when the key is missing or matches no key; `RateLimitedError` when the key's
    ///   rate limit refuses the call.
    func authenticate(_ key: String?) throws -> Caller? {
        guard isEnabled else { return nil }
        let given = KeysFile.digest(of: key ?? "")
        var caller: Caller?
        var limit: KeysFile.RateLimit?
        // Every digest is compared in full, whatever matches, so the time says nothing; hashing first hides the
        // key's length.
        if let sharedDigest, Self.equal(given, sharedDigest) { caller = Caller(name: Self.sharedKeyName, role: .admin) }
        for entry in entries.withLock({ $0 }) where Self.equal(given, entry.digest) {
            caller = Caller(name: entry.name, role: entry.role)
            limit = entry.limit
        }
        guard let caller else { throw TaskManagerError.unauthenticated }
        if let limit, let retryAfterMs = limiter.take(caller.name, limit) {
            throw RateLimitedError(keyName: caller.name, limit: limit, retryAfterMs: retryAfterMs)
        }
        return caller
    }

    /// Reads the keys file again; the old keys stay when it cannot be read. Returns the number of keys.
    @discardableResult
    func reload() throws -> Int {
        guard let keysPath else { return 0 }
        let file = try KeysFile.read(keysPath)
        entries.withLock { $0 = file.entries }
        return file.entries.count
    }

    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
