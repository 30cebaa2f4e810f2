import ArgumentParser
import TaskManagerCore

/// Checks the JSON text of an option before it is sent, so that a typo is reported with its position (the
/// server's answer names only the field).
enum JSONOption {
    /// Throws a usage error naming `option` and the byte where `text` stops being JSON.
    static func check(_ text: String?, _ option: String) throws {
        guard let text else { return }
        do {
            _ = try JSONValue.parse(text)
        } catch let error as JSONValue.ParseError {
            throw ValidationError("\(option): \(error)")
        }
    }
}
