/// A frame from server to client: `taskmanager.rpc.v1.ServerFrame`.
public enum ServerFrame: Hashable, Sendable {
    case response(RPCResponse)
    case pong(nonce: UInt64)
    case goAway(lastCallID: UInt64, reason: String)
    /// A valid frame with no `kind` set.
    case empty
}
