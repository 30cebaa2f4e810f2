/// What a handler knows about the call it serves.
public struct CallContext: Sendable {
    public var callID: UInt64
    public var metadata: [String: String]
    /// The API key the call carried; nil when authentication is off.
    public var caller: Caller?
    /// The verified client certificate of the call's connection (mutual TLS, `ServerTLS.clientCAPath`); nil
    /// without one. Its common name is the worker's identity (`ServerTLS.requireWorkerIdentity`).
    public var peer: PeerIdentity?

    public init(callID: UInt64, metadata: [String: String] = [:], caller: Caller? = nil, peer: PeerIdentity? = nil) {
        self.callID = callID
        self.metadata = metadata
        self.caller = caller
        self.peer = peer
    }
}
