import ArgumentParser
import Foundation
import TaskManagerClient
import TaskManagerCore

/// `taskmanager types ...`: register, inspect, list, activate and deactivate task types.
struct TypesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "types", abstract: "Manage task types.",
        subcommands: [Register.self, Get.self, List.self, Activate.self, Deactivate.self])

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a task type, or update the version, schema and settings of an existing one.",
            discussion: "Re-registering replaces every setting: one left out goes back to the server's default.")

        @Argument(help: "Task type name.") var name: String
        @Option(help: "Version of the type, e.g. 1.0.0.") var version: String
        @Option(help: "JSON schema of the parameters (default {\"type\":\"object\"}).") var schema: String?
        @Option(help: "Read the JSON schema from this file.") var schemaFile: String?
        @OptionGroup(title: "Settings") var settings: TypeSettingsOptions
        @OptionGroup var options: ClientOptions

        func validate() throws {
            if schema != nil && schemaFile != nil { throw ValidationError("Give either --schema or --schema-file, not both") }
        }

        func run() async throws {
            let request = RegisterTaskTypeRequest(
                name: name, version: version, paramSchemaJSON: try schemaText(), settings: settings.settings)
            let json = options.json
            try await options.withClient { client in
                let response = try await client.registerTaskType(request)
                if json {
                    return JSONOutput.print(.object([
                        "task_type": response.taskType.map(JSONOutput.taskType) ?? .null, "created": .bool(response.created),
                    ]))
                }
                guard let type = response.taskType else { return }
                print("\(response.created ? "Registered" : "Updated") task type \(type.name) (id \(type.id), version \(type.version))")
            }
        }

        private func schemaText() throws -> String {
            guard let schemaFile else { return schema ?? #"{"type":"object"}"# }
            do {
                return try String(contentsOfFile: schemaFile, encoding: .utf8)
            } catch {
                throw ValidationError("Cannot read schema file '\(schemaFile)': \(error.localizedDescription)")
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one task type.")

        @Argument(help: "Task type name.") var name: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let (name, json) = (name, options.json)
            try await options.withClient { client in
                let type = try await client.getTaskType(name: name)
                if json { return JSONOutput.print(JSONOutput.taskType(type)) }
                print(HumanOutput.taskTypeDetails(type))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List task types.")

        @Flag(help: "Only active types.") var activeOnly = false
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let (activeOnly, json) = (activeOnly, options.json)
            try await options.withClient { client in
                let types = try await client.listTaskTypes(activeOnly: activeOnly)
                if json { return JSONOutput.print(.object(["task_types": .array(types.map(JSONOutput.taskType))])) }
                print(HumanOutput.taskTypeTable(types))
            }
        }
    }

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow new tasks of a type.")

        @Argument(help: "Task type name.") var name: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await TypesCommand.setActive(name: name, active: true, options: options)
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse new tasks of a type.")

        @Argument(help: "Task type name.") var name: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await TypesCommand.setActive(name: name, active: false, options: options)
        }
    }

    static func setActive(name: String, active: Bool, options: ClientOptions) async throws {
        let json = options.json
        try await options.withClient { client in
            let type = try await client.setTaskTypeActive(name: name, active: active)
            if json { return JSONOutput.print(JSONOutput.taskType(type)) }
            print("Task type \(type.name) is now \(type.isActive ? "active" : "inactive")")
        }
    }
}
