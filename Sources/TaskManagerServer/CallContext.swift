/// What a handler knows about the call it serves.
public struct CallContext: Sendable {
    public var callID: UInt64
    public var metadata: [String: String]

    public init(callID: UInt64, metadata: [String: String] = [:]) {
        self.callID = callID
        self.metadata = metadata
    }
}
