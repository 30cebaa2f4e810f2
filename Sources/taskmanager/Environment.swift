import ArgumentParser
import Foundation

/// Reads `TASKMANAGER_*` settings from the process environment; an empty variable counts as unset.
enum Environment {
    static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// An integer setting, or nil when unset.
    /// - Throws: `ValidationError` when the variable is set but is not an integer of type `T`.
    static func integer<T: FixedWidthInteger>(_ name: String, as type: T.Type = T.self) throws -> T? {
        guard let text = string(name) else { return nil }
        guard let value = T(text.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("Invalid value '\(text)' in environment variable \(name): expected an integer")
        }
        return value
    }

    /// A boolean setting: 1/true/yes/on or 0/false/no/off, case-insensitive; false when unset.
    /// - Throws: `ValidationError` for any other value.
    static func flag(_ name: String) throws -> Bool {
        guard let text = string(name) else { return false }
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ValidationError("Invalid value '\(text)' in environment variable \(name): expected 1/true or 0/false")
        }
    }
}
