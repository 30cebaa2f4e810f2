/// What a handler knows about the call it serves.
public struct CallContext: Sendable {
    public var callID: UInt64
    public var metadata: [String: String]
    /// The API key the call carried; nil when authentication is off.
    public var caller: Caller?

    public init(callID: UInt64, metadata: [String: String] = [:], caller: Caller? = nil) {
        self.callID = callID
        self.metadata = metadata
        self.caller = caller
    }
}
