import ArgumentParser
import TaskManagerServer

/// `taskmanager keys`: the API keys of a keys file (`serve --keys-file`). Only hashes are stored; a new key is
/// printed once, by `add`.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Add, list and remove the API keys of a keys file (serve --keys-file).",
        discussion: "A running server reads the file again on SIGHUP.",
        subcommands: [Add.self, List.self, Remove.self])

    struct FileOption: ParsableArguments {
        @Option(help: "The keys file (env TASKMANAGER_KEYS_FILE).")
        var keysFile: String?

        func path() throws -> String {
            guard let path = keysFile ?? Environment.string("TASKMANAGER_KEYS_FILE") else {
                throw ValidationError("Give the keys file with --keys-file or TASKMANAGER_KEYS_FILE")
            }
            return path
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a random key with a name and a role; print it once (the last word of the output).")

        @Argument(help: "The key's name: 1 to 64 letters, digits, '.', '_' or '-'.")
        var name: String

        @Option(help: "worker, producer, admin or metrics (reads /metrics only).")
        var role: String

        @Option(help: "Calls per second the key may make on average; beyond it calls get RESOURCE_EXHAUSTED (default: no limit).")
        var rate: Double?

        @Option(help: "Calls the key may make at once under --rate (default: the rate rounded up).")
        var burst: Int?

        @OptionGroup var file: FileOption

        func run() throws {
            guard let role = Role(rawValue: role.lowercased()) else {
                throw ValidationError("Unknown role '\(self.role)': expected worker, producer, admin or metrics")
            }
            let path = try file.path()
            var keys = try KeysFile.read(path, missingIsEmpty: true)
            guard !keys.entries.contains(where: { $0.name == name }) else {
                throw ValidationError("A key named '\(name)' exists; remove it first")
            }
            var (key, entry) = try KeysFile.makeKey(name: name, role: role)
            if let rate {
                guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a positive number") }
                guard (burst ?? 1) >= 1 else { throw ValidationError("--burst must be at least 1") }
                entry.limit = KeysFile.RateLimit(perSecond: rate, burst: burst)
            } else if burst != nil {
                throw ValidationError("--burst needs --rate")
            }
            keys.entries.append(entry)
            try keys.write(to: path)
            print("Added key \(name) (role \(role.rawValue)) to \(path); it is shown only now: \(key)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys' names and roles.")

        @OptionGroup var file: FileOption

        func run() throws {
            let keys = try KeysFile.read(try file.path())
            let width = max(4, keys.entries.map(\.name.count).max() ?? 0)
            print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  ROLE      LIMIT")
            for entry in keys.entries {
                let limit = entry.limit.map { "\($0.perSecond)/s, burst \($0.burst)" } ?? "none"
                print(entry.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                      + entry.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + "  " + limit)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a key; a running server refuses it after SIGHUP.")

        @Argument(help: "The key's name.")
        var name: String

        @OptionGroup var file: FileOption

        func run() throws {
            let path = try file.path()
            var keys = try KeysFile.read(path)
            guard keys.entries.contains(where: { $0.name == name }) else { throw ValidationError("No key named '\(name)'") }
            keys.entries.removeAll { $0.name == name }
            try keys.write(to: path)
            print("Removed key \(name) from \(path)")
        }
    }
}
