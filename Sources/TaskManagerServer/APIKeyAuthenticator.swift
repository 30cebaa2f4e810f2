import Crypto
import TaskManagerCore

/// Checks the `x-api-key` metadata of a call against the configured key, in constant time.
struct APIKeyAuthenticator: Sendable {
    static let metadataKey = "x-api-key"

    private let expectedDigest: [UInt8]?

    /// nil or "" turns authentication off.
    init(apiKey: String?) {
        expectedDigest = apiKey.flatMap { $0.isEmpty ? nil : Array(SHA256.hash(data: Array($0.utf8))) }
    }

    var isEnabled: Bool { expectedDigest != nil }

    /// Throws UNAUTHENTICATED unless `key`, the call's `x-api-key` metadata, is the key.
    func authenticate(_ key: String?) throws {
        guard let expectedDigest else { return }
        let given = Array(SHA256.hash(data: Array((key ?? "").utf8)))
        // Both digests are 32 bytes; OR-ing every XOR visits every byte whatever matches, so the time says nothing,
        // and hashing first hides the key's length.
        let difference = zip(given, expectedDigest).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) }
        guard difference == 0 else { throw TaskManagerError.unauthenticated }
    }
}
