/// A frame from client to server: `taskmanager.rpc.v1.ClientFrame`.
public enum ClientFrame: Hashable, Sendable {
    case request(RPCRequest)
    case cancel(callID: UInt64)
    case ping(nonce: UInt64)
    /// A valid frame with no `kind` set; the server answers it with INVALID_ARGUMENT.
    case empty
}
