import CProtobufC
import CTaskManagerProto
import NIOCore
import TaskManagerCore

// The envelope messages of proto/taskmanager/rpc/v1/rpc.proto.

extension ByteBuffer {
    fileprivate init(protobuf data: ProtobufCBinaryData) {
        self.init()
        if data.len > 0, let base = data.data {
            writeBytes(UnsafeRawBufferPointer(start: base, count: data.len))
        }
    }
}

extension CArena {
    fileprivate func bytes(_ buffer: ByteBuffer) -> ProtobufCBinaryData {
        bytes(Array(buffer.readableBytesView))
    }

    /// A request's metadata as protobuf-c entries, sorted by key so that the same map packs to the same bytes.
    func metadataEntries(_ metadata: [String: String])
        -> (count: Int, pointers: UnsafeMutablePointer<UnsafeMutablePointer<Taskmanager__Rpc__V1__Request__MetadataEntry>?>?)
    {
        if metadata.isEmpty { return (0, nil) }
        return messages(metadata.sorted { $0.key < $1.key }.map { MetadataEntry(key: $0.key, value: $0.value) })
    }
}

struct MetadataEntry: CStruct {
    typealias CMessage = Taskmanager__Rpc__V1__Request__MetadataEntry
    static let cInit = taskmanager__rpc__v1__request__metadata_entry__init
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__request__metadata_entry__descriptor)
    var key: String
    var value: String
    init(key: String, value: String) {
        self.key = key
        self.value = value
    }
    init(c: CMessage) {
        key = readString(c.key)
        value = readString(c.value)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.key = arena.string(key)
        c.value = arena.string(value)
    }
}

extension RPCRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__Rpc__V1__Request
    static let cInit = taskmanager__rpc__v1__request__init
    static let cUnpack = taskmanager__rpc__v1__request__unpack
    static let cDescriptor = CMessageDescriptor(taskmanager__rpc__v1__request__init)
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__request__descriptor)
    public static let wireCodec = WireCodec(Self.self)

    init(c: CMessage) throws {
        let entries: [MetadataEntry] = try readMessages(c.n_metadata, c.metadata)
        self.init(
            callID: c.call_id, method: readString(c.method), payload: ByteBuffer(protobuf: c.payload),
            timeoutMs: c.timeout_ms,
            metadata: Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }))
    }

    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.call_id = callID
        c.method = arena.string(method)
        c.payload = arena.bytes(payload)
        c.timeout_ms = timeoutMs
        (c.n_metadata, c.metadata) = arena.metadataEntries(metadata)
    }
}

extension RPCStatus: CBridged, WireMessage {
    typealias CMessage = Taskmanager__Rpc__V1__Status
    static let cInit = taskmanager__rpc__v1__status__init
    static let cUnpack = taskmanager__rpc__v1__status__unpack
    static let cDescriptor = CMessageDescriptor(taskmanager__rpc__v1__status__init)
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__status__descriptor)
    public static let wireCodec = WireCodec(Self.self)

    init(c: CMessage) {
        self.init(code: StatusCode(rawValue: c.code), message: readString(c.message))
    }

    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.code = code.rawValue
        c.message = arena.string(message)
    }
}

extension RPCResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__Rpc__V1__Response
    static let cInit = taskmanager__rpc__v1__response__init
    static let cUnpack = taskmanager__rpc__v1__response__unpack
    static let cDescriptor = CMessageDescriptor(taskmanager__rpc__v1__response__init)
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__response__descriptor)
    public static let wireCodec = WireCodec(Self.self)

    init(c: CMessage) throws {
        // A missing status means OK, as in gRPC where the status is always sent.
        let status: RPCStatus = try readMessage(c.status) ?? .ok
        self.init(callID: c.call_id, status: status, payload: ByteBuffer(protobuf: c.payload), endOfStream: c.end_of_stream != 0)
    }

    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.call_id = callID
        c.status = arena.message(status)
        c.payload = arena.bytes(payload)
        c.end_of_stream = endOfStream ? 1 : 0
    }
}

struct CancelMessage: CBridged {
    typealias CMessage = Taskmanager__Rpc__V1__Cancel
    static let cInit = taskmanager__rpc__v1__cancel__init
    static let cUnpack = taskmanager__rpc__v1__cancel__unpack
    static let cDescriptor = CMessageDescriptor(taskmanager__rpc__v1__cancel__init)
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__cancel__descriptor)
    var callID: UInt64
    init(callID: UInt64) { self.callID = callID }
    init(c: CMessage) { callID = c.call_id }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.call_id = callID }
}

struct PingMessage: CBridged {
    typealias CMessage = Taskmanager__Rpc__V1__Ping
    static let cInit = taskmanager__rpc__v1__ping__init
    static let cUnpack = taskmanager__rpc__v1__ping__unpack
    static let cDescriptor = CMessageDescriptor(taskmanager__rpc__v1__ping__init)
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__ping__descriptor)
    var nonce: UInt64
    init(nonce: UInt64) { self.nonce = nonce }
    init(c: CMessage) { nonce = c.nonce }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.nonce = nonce }
}

struct PongMessage: CBridged {
    typealias CMessage = Taskmanager__Rpc__V1__Pong
    static let cInit = taskmanager__rpc__v1__pong__init
    static let cUnpack = taskmanager__rpc__v1__pong__unpack
    static let cDescriptor = CMessageDescriptor(taskmanager__rpc__v1__pong__init)
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__pong__descriptor)
    var nonce: UInt64
    init(nonce: UInt64) { self.nonce = nonce }
    init(c: CMessage) { nonce = c.nonce }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.nonce = nonce }
}

struct GoAwayMessage: CBridged {
    typealias CMessage = Taskmanager__Rpc__V1__GoAway
    static let cInit = taskmanager__rpc__v1__go_away__init
    static let cUnpack = taskmanager__rpc__v1__go_away__unpack
    static let cDescriptor = CMessageDescriptor(taskmanager__rpc__v1__go_away__init)
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__go_away__descriptor)
    var lastCallID: UInt64
    var reason: String
    init(lastCallID: UInt64, reason: String) {
        self.lastCallID = lastCallID
        self.reason = reason
    }
    init(c: CMessage) {
        lastCallID = c.last_call_id
        reason = readString(c.reason)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.last_call_id = lastCallID
        c.reason = arena.string(reason)
    }
}

extension ClientFrame: CBridged, WireMessage {
    typealias CMessage = Taskmanager__Rpc__V1__ClientFrame
    static let cInit = taskmanager__rpc__v1__client_frame__init
    static let cUnpack = taskmanager__rpc__v1__client_frame__unpack
    static let cDescriptor = CMessageDescriptor(taskmanager__rpc__v1__client_frame__init)
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__client_frame__descriptor)
    public static let wireCodec = WireCodec(Self.self)

    init(c: CMessage) throws {
        switch c.kind_case {
        case TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_REQUEST:
            self = try .request(RPCRequest(c: c.request.pointee))
        case TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_CANCEL:
            self = .cancel(callID: c.cancel.pointee.call_id)
        case TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_PING:
            self = .ping(nonce: c.ping.pointee.nonce)
        default:
            self = .empty
        }
    }

    func fill(_ c: inout CMessage, _ arena: CArena) {
        switch self {
        case .request(let request):
            c.kind_case = TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_REQUEST
            c.request = arena.message(request)
        case .cancel(let callID):
            c.kind_case = TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_CANCEL
            c.cancel = arena.message(CancelMessage(callID: callID))
        case .ping(let nonce):
            c.kind_case = TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_PING
            c.ping = arena.message(PingMessage(nonce: nonce))
        case .empty:
            c.kind_case = TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND__NOT_SET
        }
    }
}

extension ServerFrame: CBridged, WireMessage {
    typealias CMessage = Taskmanager__Rpc__V1__ServerFrame
    static let cInit = taskmanager__rpc__v1__server_frame__init
    static let cUnpack = taskmanager__rpc__v1__server_frame__unpack
    static let cDescriptor = CMessageDescriptor(taskmanager__rpc__v1__server_frame__init)
    static let protoName = CTaskManagerProtoNames.name(taskmanager__rpc__v1__server_frame__descriptor)
    public static let wireCodec = WireCodec(Self.self)

    init(c: CMessage) throws {
        switch c.kind_case {
        case TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_RESPONSE:
            self = try .response(RPCResponse(c: c.response.pointee))
        case TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_PONG:
            self = .pong(nonce: c.pong.pointee.nonce)
        case TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_GO_AWAY:
            let goAway = GoAwayMessage(c: c.go_away.pointee)
            self = .goAway(lastCallID: goAway.lastCallID, reason: goAway.reason)
        default:
            self = .empty
        }
    }

    func fill(_ c: inout CMessage, _ arena: CArena) {
        switch self {
        case .response(let response):
            c.kind_case = TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_RESPONSE
            c.response = arena.message(response)
        case .pong(let nonce):
            c.kind_case = TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_PONG
            c.pong = arena.message(PongMessage(nonce: nonce))
        case .goAway(let lastCallID, let reason):
            c.kind_case = TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_GO_AWAY
            c.go_away = arena.message(GoAwayMessage(lastCallID: lastCallID, reason: reason))
        case .empty:
            c.kind_case = TASKMANAGER__RPC__V1__SERVER_FRAME__KIND__NOT_SET
        }
    }
}
