import TaskManagerCore

/// One write call waiting for, or running in, a group commit: its body, its outcome, and the caller to answer.
///
/// The caller is answered only by `resume()`, which `GroupCommitWriter` calls after the batch's `COMMIT` (or after
/// giving up on the batch), never straight after the body.
// @unchecked: `outcome` is set and read on the writer's queue, then (handed over under `WALSync`'s lock) on the
// sync queue; `answer` is called exactly once.
final class GroupCommitJob: @unchecked Sendable {
    /// The call's work, run inside the batch's transaction (again, if the batch runs again without another job).
    let body: @Sendable (SQLiteConnection) throws -> any Sendable
    /// The body's result or its (already mapped) error; a storage error until the body has run.
    var outcome: Result<any Sendable, any Error> = .failure(GroupCommitJob.notRun)
    /// Takes the outcome to the caller: a completion of the event loop the call came from, or a continuation.
    private let answer: @Sendable (Result<any Sendable, any Error>) -> Void
    /// Where the caller is answered; nil = on the thread that answers.
    let hop: AnswerHop?

    init(body: @escaping @Sendable (SQLiteConnection) throws -> any Sendable,
         hop: AnswerHop? = nil, answer: @escaping @Sendable (Result<any Sendable, any Error>) -> Void) {
        self.body = body
        self.answer = answer
        self.hop = hop
    }

    /// Answers the caller with `outcome`.
    func resume() {
        answer(outcome)
    }

    /// The answer of a job whose body never ran: should never happen.
    private static let notRun = TaskManagerError(.internal, "Storage error (write not run)")
}
