import CProtobufC
import CTaskManagerProto
import Foundation
import NIOCore
import TaskManagerCore

/// A client frame as the server reads it: unpacked once, in an arena, with the request's method and payload left
/// where protobuf-c put them. Valid only inside the scope of the arena it was read with.
public enum InboundFrame {
    case request(InboundRequest)
    /// A request refused before it was read (a string field with a NUL byte or bad UTF-8): answer its call with
    /// the error.
    case rejected(callID: UInt64, TaskManagerError)
    case cancel(callID: UInt64)
    case ping(nonce: UInt64)
    /// A valid frame with no `kind` set.
    case empty

    /// Unpacks one `taskmanager.rpc.v1.ClientFrame`; throws INVALID_ARGUMENT (or RESOURCE_EXHAUSTED for a frame
    /// too costly to unpack), with a message starting "Invalid frame: ", when `bytes` are not one.
    public init(_ bytes: UnsafeRawBufferPointer, arena: CArena) throws {
        var refusal: TaskManagerError?
        do {
            try WireCheck.check(bytes, RPCClientFrame.cDescriptor)
        } catch let error as TaskManagerError {
            // Only a bad string may still be unpacked for its call id: a costly frame must not be unpacked at all.
            guard error.code == .invalidArgument else { throw TaskManagerError(error.code, "Invalid frame: \(error.message)") }
            refusal = error
        }
        let frame: RPCClientFrame.CMessage
        do {
            frame = try RPCClientFrame.unpackC(bytes, in: arena, checked: false).pointee
        } catch {
            throw TaskManagerError(.invalidArgument, "Invalid frame: not a taskmanager.rpc.v1.ClientFrame")
        }
        if let refusal {
            guard frame.kind_case == TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_REQUEST, frame.request.pointee.call_id > 0 else {
                throw TaskManagerError(.invalidArgument, "Invalid frame: \(refusal.message)")
            }
            self = .rejected(callID: frame.request.pointee.call_id, refusal)
            return
        }
        switch frame.kind_case {
        case TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_REQUEST:
            let request = InboundRequest(frame.request)
            if let refusal = request.metadataRefusal, request.callID > 0 {
                self = .rejected(callID: request.callID, refusal)
                return
            }
            self = .request(request)
        case TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_CANCEL:
            self = .cancel(callID: frame.cancel.pointee.call_id)
        case TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_PING:
            self = .ping(nonce: frame.ping.pointee.nonce)
        default:
            self = .empty
        }
    }
}

/// One `taskmanager.rpc.v1.Request` as unpacked in an arena.
public struct InboundRequest {
    private let request: UnsafeMutablePointer<Taskmanager__Rpc__V1__Request>

    init(_ request: UnsafeMutablePointer<Taskmanager__Rpc__V1__Request>) {
        self.request = request
    }

    public var callID: UInt64 { request.pointee.call_id }
    public var timeoutMs: UInt32 { request.pointee.timeout_ms }

    /// The UTF-8 bytes of the method path, without a copy.
    public var method: UnsafeRawBufferPointer {
        guard let method = request.pointee.method else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: method, count: strlen(method))
    }

    /// The method path as a string, for messages and logs.
    public var methodName: String { readString(request.pointee.method) }

    /// The request message's bytes, without a copy.
    public var payload: UnsafeRawBufferPointer {
        let payload = request.pointee.payload
        return UnsafeRawBufferPointer(start: payload.data, count: payload.len)
    }

    /// The value of metadata `key`, if sent (the last one when sent twice).
    public func metadata(_ key: String) -> String? {
        var found: String?
        for index in 0..<request.pointee.n_metadata {
            guard let entry = request.pointee.metadata[index] else { continue }
            if readString(entry.pointee.key) == key { found = readString(entry.pointee.value) }
        }
        return found
    }

    /// The most metadata entries a request may carry.
    public static let maxMetadataEntries = 64
    /// The most bytes of metadata keys and values a request may carry.
    public static let maxMetadataBytes = 8 * 1024

    /// RESOURCE_EXHAUSTED when the metadata is over `maxMetadataEntries` or `maxMetadataBytes`; else nil.
    var metadataRefusal: TaskManagerError? {
        let count = request.pointee.n_metadata
        guard count > 0 else { return nil }
        var bytes = 0
        for index in 0..<count {
            guard let entry = request.pointee.metadata[index] else { continue }
            bytes += (entry.pointee.key.map { strlen($0) } ?? 0) + (entry.pointee.value.map { strlen($0) } ?? 0)
        }
        guard count > Self.maxMetadataEntries || bytes > Self.maxMetadataBytes else { return nil }
        return TaskManagerError(
            .resourceExhausted,
            "Metadata of \(bytes) bytes in \(count) entries exceeds the limit of \(Self.maxMetadataBytes) bytes and \(Self.maxMetadataEntries) entries")
    }

    /// Every metadata entry (the last value of a key sent twice).
    public var metadata: [String: String] {
        var entries: [String: String] = [:]
        for index in 0..<request.pointee.n_metadata {
            guard let entry = request.pointee.metadata[index] else { continue }
            entries[readString(entry.pointee.key)] = readString(entry.pointee.value)
        }
        return entries
    }
}
