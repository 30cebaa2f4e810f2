import CProtobufC
import CTaskManagerProto
import NIOCore
import TaskManagerCore

/// A server frame as the client reads it: unpacked once, in an arena, with the response's payload left where
/// protobuf-c put it. Valid only inside the scope of the arena it was read with.
public enum InboundServerFrame {
    case response(InboundResponse)
    case pong(nonce: UInt64)
    case goAway(lastCallID: UInt64, reason: String)
    /// A valid frame with no `kind` set.
    case empty

    /// Unpacks one `taskmanager.rpc.v1.ServerFrame`; throws INVALID_ARGUMENT when `bytes` are not one.
    public init(_ bytes: UnsafeRawBufferPointer, arena: CArena) throws {
        let frame = try RPCServerFrame.unpackC(bytes, in: arena).pointee
        switch frame.kind_case {
        case TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_RESPONSE:
            self = .response(InboundResponse(frame.response))
        case TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_PONG:
            self = .pong(nonce: frame.pong.pointee.nonce)
        case TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_GO_AWAY:
            self = .goAway(lastCallID: frame.go_away.pointee.last_call_id, reason: readString(frame.go_away.pointee.reason))
        default:
            self = .empty
        }
    }
}

/// One `taskmanager.rpc.v1.Response` as unpacked in an arena.
public struct InboundResponse {
    private let response: UnsafeMutablePointer<Taskmanager__Rpc__V1__Response>

    init(_ response: UnsafeMutablePointer<Taskmanager__Rpc__V1__Response>) {
        self.response = response
    }

    public var callID: UInt64 { response.pointee.call_id }
    public var endOfStream: Bool { response.pointee.end_of_stream != 0 }

    /// The call's status; a missing status means OK, as in gRPC where the status is always sent.
    public var status: RPCStatus {
        guard let status = response.pointee.status else { return .ok }
        return RPCStatus(code: StatusCode(rawValue: status.pointee.code), message: readString(status.pointee.message))
    }

    /// The response message's bytes, without a copy.
    public var payload: UnsafeRawBufferPointer {
        let payload = response.pointee.payload
        return UnsafeRawBufferPointer(start: payload.data, count: payload.len)
    }

    /// The response's metadata (such as `retry-after-ms`); empty for almost every response.
    public var metadata: [String: String] {
        readMap(response.pointee.n_metadata, response.pointee.metadata) { ($0.key, $0.value) }
    }

    /// A copy that outlives the arena.
    public var copy: RPCResponse {
        var bytes = ByteBuffer()
        bytes.writeBytes(payload)
        return RPCResponse(callID: callID, status: status, payload: bytes, endOfStream: endOfStream, metadata: metadata)
    }
}
