import NIOCore

/// One answer from the server: `taskmanager.rpc.v1.Response`.
public struct RPCResponse: Hashable, Sendable {
    /// The call answered; 0 for errors that belong to no call.
    public var callID: UInt64
    public var status: RPCStatus
    /// The encoded response message, on success.
    public var payload: ByteBuffer
    /// True on the final response of a call.
    public var endOfStream: Bool

    public init(callID: UInt64, status: RPCStatus, payload: ByteBuffer = ByteBuffer(), endOfStream: Bool = true) {
        self.callID = callID
        self.status = status
        self.payload = payload
        self.endOfStream = endOfStream
    }
}
