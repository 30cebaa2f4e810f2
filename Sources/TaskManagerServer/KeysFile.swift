import Crypto
import Foundation
import TaskManagerCore

/// The file of API keys given with `--keys-file`: one key per line, `NAME ROLE sha256:HEX [rate=R] [burst=B]`,
/// where HEX is the SHA-256 of the key, R the calls per second the key may make on average and B how many it may
/// make at once (default: R rounded up). Only hashes are stored; a key itself is shown once, when
/// `taskmanager keys add` makes it.
///
/// Blank lines and lines starting with `#` are ignored.
public struct KeysFile: Sendable, Hashable {
    /// One key: its name (unique in the file), its role, the SHA-256 of the key, and its rate limit.
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var role: Role
        public var digest: [UInt8]
        public var limit: RateLimit?

        public init(name: String, role: Role, digest: [UInt8], limit: RateLimit? = nil) {
            self.name = name
            self.role = role
            self.digest = digest
            self.limit = limit
        }
    }

    /// At most `burst` calls at once, refilled at `perSecond` calls per second.
    public struct RateLimit: Sendable, Hashable {
        public var perSecond: Double
        public var burst: Int

        public init(perSecond: Double, burst: Int? = nil) {
            self.perSecond = perSecond
            self.burst = burst ?? max(1, Int(perSecond.rounded(.up)))
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// Reads `path`; a missing file is an empty one when `missingIsEmpty`.
    public static func read(_ path: String, missingIsEmpty: Bool = false) throws -> KeysFile {
        guard FileManager.default.fileExists(atPath: path) else {
            if missingIsEmpty { return KeysFile() }
            throw KeysFileError(path: path, line: nil, reason: "no such file")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KeysFileError(path: path, line: nil, reason: "cannot be read (\(error.localizedDescription))")
        }
        return try parse(text, path: path)
    }

    /// Parses the text of a keys file; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws -> KeysFile {
        var file = KeysFile()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            func fail(_ reason: String) -> KeysFileError { KeysFileError(path: path, line: index + 1, reason: reason) }
            guard (3...5).contains(fields.count) else { throw fail("expected NAME ROLE sha256:HEX [rate=R] [burst=B]") }
            guard isValidName(fields[0]) else { throw fail("invalid key name \"\(fields[0])\"") }
            guard let role = Role(rawValue: fields[1]) else {
                throw fail("unknown role \"\(fields[1])\" (worker, producer, admin or metrics)")
            }
            guard fields[2].hasPrefix("sha256:"), let digest = hexBytes(fields[2].dropFirst(7)), digest.count == 32 else {
                throw fail("the hash must be sha256: and 64 hex digits")
            }
            guard !file.entries.contains(where: { $0.name == fields[0] }) else { throw fail("key name \"\(fields[0])\" used twice") }
            var rate: Double?
            var burst: Int?
            for option in fields.dropFirst(3) {
                if option.hasPrefix("rate="), let value = Double(option.dropFirst(5)), value > 0, value.isFinite {
                    rate = value
                } else if option.hasPrefix("burst="), let value = Int(option.dropFirst(6)), value >= 1 {
                    burst = value
                } else {
                    throw fail("unknown option \"\(option)\" (rate=CALLS_PER_SECOND, burst=CALLS)")
                }
            }
            if burst != nil && rate == nil { throw fail("burst= needs rate=") }
            file.entries.append(Entry(name: fields[0], role: role, digest: digest, limit: rate.map { RateLimit(perSecond: $0, burst: burst) }))
        }
        return file
    }

    /// The file's text.
    public var text: String {
        var lines = ["# TaskManager API keys: NAME ROLE sha256:HEX (the SHA-256 of the key). Edit with `taskmanager keys`."]
        for entry in entries {
            var line = "\(entry.name) \(entry.role.rawValue) sha256:\(entry.digest.map { String(format: "%02x", $0) }.joined())"
            if let limit = entry.limit { line += " rate=\(Self.format(limit.perSecond)) burst=\(limit.burst)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the file through a temporary file and a rename, so that a server reloading it never reads half of it.
    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try Data(text.utf8).write(to: temporary)
        chmod(temporary.path, 0o600)
        guard rename(temporary.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw KeysFileError(path: path, line: nil, reason: "cannot be replaced (\(reason))")
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A new random key (256 bits, URL-safe base64 after `tmk_`) and its entry.
    public static func makeKey(name: String, role: Role) throws -> (key: String, entry: Entry) {
        guard isValidName(name) else {
            throw TaskManagerError(.invalidArgument, "Key names are 1 to 64 letters, digits, '.', '_' or '-'")
        }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let key = "tmk_" + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return (key, Entry(name: name, role: role, digest: digest(of: key)))
    }

    /// The SHA-256 of a key as sent.
    public static func digest(of key: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(key.utf8)))
    }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func hexBytes(_ hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// A keys file that cannot be used; the message names the file and the line, never a key.
public struct KeysFileError: Error, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var reason: String

    public var description: String {
        "Keys file \(path)\(line.map { " line \($0)" } ?? ""): \(reason)"
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
