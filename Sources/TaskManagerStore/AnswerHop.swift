/// How the store hands an answer to the thread a call came from: run on that thread (an event loop), the
/// resumed caller continues there, and every answer of a batch that goes to one thread travels in one hand-off.
///
/// Without it the writer resumes each caller itself, and each resumed caller wakes a thread of Swift's
/// executor, which may then have to pass the answer on to its connection's thread: one or two wake-ups per call
/// instead of one per thread per batch.
public struct AnswerHop: Sendable {
    /// Identifies the thread: answers with the same key travel together.
    public var key: ObjectIdentifier
    /// Runs its argument on the thread, soon. It must run it: a dropped answer leaves its caller waiting (so the
    /// thread must outlive the store, as the event loops of NIO's singleton group do).
    public var run: @Sendable (@escaping @Sendable () -> Void) -> Void

    public init(key: ObjectIdentifier, run: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        self.key = key
        self.run = run
    }

    /// Resumes every job's caller: the jobs with a hop on their own thread, grouped by it; the others here.
    static func resume(_ jobs: some Sequence<GroupCommitJob>) {
        var groups: [ObjectIdentifier: (hop: AnswerHop, jobs: [GroupCommitJob])] = [:]
        for job in jobs {
            guard let hop = job.hop else {
                job.resume()
                continue
            }
            groups[hop.key, default: (hop, [])].jobs.append(job)
        }
        for group in groups.values {
            let jobs = group.jobs
            group.hop.run { for job in jobs { job.resume() } }
        }
    }
}
