import NIOConcurrencyHelpers
import TaskManagerCore

/// Parsed parameter schemas by their text, so that CreateTask parses a type's schema once rather than per call.
///
/// Keyed by the schema's (canonical) text, byte for byte (`ExactText`): two schemas that differ only in Unicode
/// normalization, say in a `pattern`, are two entries. Registering a type again with another schema changes the text, so a
/// stale entry is never used. Cleared when full: types are few, and a miss only costs one parse.
final class SchemaCache: Sendable {
    static let capacity = 256

    private let schemas = NIOLockedValueBox<[ExactText: JSONValue]>([:])

    /// The parsed schema `text`; nil when it is not valid JSON.
    func schema(_ text: String) -> JSONValue? {
        let key = ExactText(text)
        if let cached = schemas.withLockedValue({ $0[key] }) { return cached }
        guard let parsed = try? JSONValue.parse(text) else { return nil }
        schemas.withLockedValue { schemas in
            if schemas.count >= Self.capacity { schemas.removeAll() }
            schemas[key] = parsed
        }
        return parsed
    }

    /// The number of schemas held; for tests.
    var count: Int { schemas.withLockedValue { $0.count } }
}
