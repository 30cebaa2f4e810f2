extension TaskStatus: CustomStringConvertible {
    /// The lower-case name used in storage, history and the CLI (`pending`, `claimed`, ...).
    public var name: String {
        switch self {
        case .unspecified: return "unspecified"
        case .pending: return "pending"
        case .claimed: return "claimed"
        case .completed: return "completed"
        case .failed: return "failed"
        case .cancelled: return "cancelled"
        }
    }

    /// Parses a name as written by `name`; nil for anything else.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = match
    }

    public var description: String { name }
}
