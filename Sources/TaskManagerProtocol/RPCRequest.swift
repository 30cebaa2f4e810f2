import NIOCore

/// One call from a client: `taskmanager.rpc.v1.Request`.
public struct RPCRequest: Hashable, Sendable {
    /// Chosen by the client; greater than 0 and unique among its calls in flight.
    public var callID: UInt64
    /// `/taskmanager.v1.TaskService/<Rpc>`.
    public var method: String
    /// The encoded request message.
    public var payload: ByteBuffer
    /// Relative deadline in milliseconds; 0 = none.
    public var timeoutMs: UInt32
    public var metadata: [String: String]

    public init(callID: UInt64, method: String, payload: ByteBuffer, timeoutMs: UInt32 = 0, metadata: [String: String] = [:]) {
        self.callID = callID
        self.method = method
        self.payload = payload
        self.timeoutMs = timeoutMs
        self.metadata = metadata
    }
}
