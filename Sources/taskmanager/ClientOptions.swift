import ArgumentParser
import Foundation
import TaskManagerClient
import TaskManagerCore

/// The options every client subcommand shares: where the server is, TLS, the key, the deadline and the output
/// format.
struct ClientOptions: ParsableArguments {
    @Option(help: "Server address host:port (env TASKMANAGER_SERVER; default 127.0.0.1:7411).")
    var server: String?

    @Option(help: "API key sent with every call (env TASKMANAGER_API_KEY).")
    var apiKey: String?

    @Option(help: "Deadline of the call in milliseconds; 0 = none.")
    var timeoutMs: UInt32 = 10_000

    @Flag(help: "Print machine-readable JSON on stdout.")
    var json = false

    @OptionGroup var tls: TLSClientOptions

    var resolvedServer: String { server ?? Environment.string("TASKMANAGER_SERVER") ?? "127.0.0.1:7411" }
    var resolvedAPIKey: String? { apiKey ?? Environment.string("TASKMANAGER_API_KEY") }
    /// Checked by `validate()` of the option group already.
    var resolvedTLS: TLSOptions? { (try? tls.resolved()) ?? nil }

    /// Connects, runs `body`, and closes. A `TaskManagerError` is printed as `error: CODE: message` on stderr and
    /// becomes the exit status (the numeric gRPC code).
    ///
    /// - Parameter watchdog: close the client a little after `--timeout-ms` in case the server never answers;
    ///   false for a body that may read a stream, which has no deadline.
    func withClient(watchdog: Bool = true, _ body: (TaskManagerClient) async throws -> Void) async throws {
        do {
            let client = try await TaskManagerClient.connect(
                server: resolvedServer, apiKey: resolvedAPIKey, timeoutMs: timeoutMs, tls: resolvedTLS)
            let watchdog = Self.watchdog(closing: client, afterMs: watchdog ? timeoutMs : 0)
            do {
                try await body(client)
            } catch {
                watchdog.cancel()
                if await watchdog.value {
                    throw TaskManagerError(.deadlineExceeded, "No answer from the server within \(timeoutMs) ms")
                }
                await client.close()
                throw error
            }
            watchdog.cancel()
            _ = await watchdog.value
            await client.close()
        } catch let error as TaskManagerError {
            throw Self.exit(error)
        }
    }

    /// Prints `error` on stderr and returns the exit code to throw.
    static func exit(_ error: TaskManagerError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error.code): \(error.message)\n".utf8))
        let code = error.code.rawValue
        return ExitCode((1...255).contains(code) ? code : StatusCode.unknown.rawValue)
    }

    /// Closes `client` a little after the call deadline, failing the call in flight, in case the server never
    /// answers (the server enforces the deadline itself; this only guards against a hung peer). True when it fired.
    private static func watchdog(closing client: TaskManagerClient, afterMs timeoutMs: UInt32) -> _Concurrency.Task<Bool, Never> {
        _Concurrency.Task {
            guard timeoutMs > 0 else { return false }
            do {
                try await _Concurrency.Task.sleep(nanoseconds: (UInt64(timeoutMs) + 2_000) * 1_000_000)
            } catch {
                return false
            }
            await client.close()
            return true
        }
    }
}
