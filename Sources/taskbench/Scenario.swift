import ArgumentParser

/// The server a run drives.
enum Target: String, CaseIterable, ExpressibleByArgument, Sendable {
    case taskmanager
    case beanstalkd
    /// The embedded store in this process, without a server (lifecycle only).
    case store
}

/// What each connection does in a loop until the run's duration is over.
enum Scenario: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Per task: create, claim, progress 25/50/75, complete (beanstalkd: put, reserve, touch ×3, delete).
    case lifecycle
    /// CreateTask only.
    case create
    /// Claim + complete over a pool of pending tasks created before the run.
    case claim
    /// UpdateProgress on one claimed task per connection.
    case progress
    /// GetTask of one task per connection.
    case get
    /// GetTask with `--pipeline` calls in flight on each connection.
    case pipelinedGet = "pipelined-get"
    /// Opens `--connections` connections that send nothing, holds them, then checks the server still answers.
    case idle

    /// Whether the scenario finishes tasks, so that tasks/s means something.
    var countsTasks: Bool { self == .lifecycle || self == .create || self == .claim }
}

/// Call kinds as the histograms name them: the wire method names, plus `cycle` for one whole task.
enum CallKind {
    static let createTask = "CreateTask"
    static let claimTask = "ClaimTask"
    static let updateProgress = "UpdateProgress"
    static let completeTask = "CompleteTask"
    static let getTask = "GetTask"
    static let put = "put"
    static let reserve = "reserve"
    static let touch = "touch"
    static let delete = "delete"
    /// One whole task, from its create (put) to its complete (delete).
    static let cycle = "cycle"
}
