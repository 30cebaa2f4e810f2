import ArgumentParser
import TaskManagerCore

/// The per-type overrides of `types register`; each left out (or 0) means "the server's default".
struct TypeSettingsOptions: ParsableArguments {
    @Option(help: "Lease of a claim in seconds, renewed by progress and heartbeats (default: the server's --claim-timeout).")
    var leaseSeconds: Int32?

    @Option(help: "Attempts per task unless the task asks otherwise (default: the server's --max-attempts).")
    var maxAttempts: Int32?

    @Option(help: "Seconds without progress before a claimed task is marked stalled (default: the server's --stall-after).")
    var stallAfter: Int32?

    @Option(help: "Wait before the first retry, in ms, doubling per attempt (default: the server's).")
    var retryBackoffBaseMs: Int32?

    @Option(help: "Longest wait before a retry, in ms (default: the server's).")
    var retryBackoffCapMs: Int32?

    var settings: TaskTypeSettings {
        TaskTypeSettings(
            leaseSeconds: leaseSeconds ?? 0, maxAttempts: maxAttempts ?? 0, stallAfterSeconds: stallAfter ?? 0,
            retryBackoffBaseMs: retryBackoffBaseMs ?? 0, retryBackoffCapMs: retryBackoffCapMs ?? 0)
    }
}
