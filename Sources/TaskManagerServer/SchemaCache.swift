import NIOConcurrencyHelpers
import TaskManagerCore

/// Parsed parameter schemas by their text, so that CreateTask parses a type's schema once rather than per call.
///
/// Keyed by the schema's (canonical) text: registering a type again with another schema changes the text, so a
/// stale entry is never used. Cleared when full: types are few, and a miss only costs one parse.
final class SchemaCache: Sendable {
    static let capacity = 256

    private let schemas = NIOLockedValueBox<[String: JSONValue]>([:])

    /// The parsed schema `text`; nil when it is not valid JSON.
    func schema(_ text: String) -> JSONValue? {
        if let cached = schemas.withLockedValue({ $0[text] }) { return cached }
        guard let parsed = try? JSONValue.parse(text) else { return nil }
        schemas.withLockedValue { schemas in
            if schemas.count >= Self.capacity { schemas.removeAll() }
            schemas[text] = parsed
        }
        return parsed
    }

    /// The number of schemas held; for tests.
    var count: Int { schemas.withLockedValue { $0.count } }
}
