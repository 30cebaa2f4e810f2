import ArgumentParser

/// `taskmanager health`: the server's status, database state and version (needs no API key).
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "health", abstract: "Check that the server is up.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let json = options.json
        try await options.withClient { client in
            let health = try await client.health()
            if json { return JSONOutput.print(JSONOutput.health(health)) }
            print(HumanOutput.health(health))
        }
    }
}
