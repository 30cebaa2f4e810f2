import CProtobufC
import CTaskManagerProto
import NIOCore

// The server's answers and the client's calls are written here: each frame is packed once, straight into the
// outbound buffer. protobuf-c packs the envelope through a `ProtobufCBuffer`; when it reaches the payload field,
// the payload message itself is packed in its place, so the payload is never packed into a buffer of its own and
// copied.

extension ByteBuffer {
    /// Appends one `RPCServerFrame` carrying a `Response` whose payload is `message`, packed once into this buffer.
    ///
    /// Returns the frame body's size (the envelope with the payload, without the 4-byte length); writes nothing
    /// when that exceeds `maxFrameBytes`. The size is computed before anything is packed. The C structs are
    /// filled in `arena`, whose scope the caller holds.
    @discardableResult
    public mutating func writeResponseFrame<M: WireMessage>(
        callID: UInt64, status: RPCStatus, message: M, endOfStream: Bool = true, arena: CArena,
        maxFrameBytes: Int = .max
    ) -> Int {
        let payload = M.wireCodec.fill(message, arena)
        let size = protobuf_c_message_get_packed_size(payload)
        return writeResponseFrame(
            callID: callID, status: status, endOfStream: endOfStream, arena: arena, payloadSize: size, payload: .message(payload),
            maxFrameBytes: maxFrameBytes)
    }

    /// Appends one `RPCServerFrame` carrying a `Response` whose payload is `payload`'s readable bytes (an encoded
    /// stream item, or nothing).
    public mutating func writeResponseFrame(callID: UInt64, status: RPCStatus, payload: ByteBuffer, endOfStream: Bool = true, arena: CArena) {
        payload.withUnsafeReadableBytes { bytes in
            writeResponseFrame(
                callID: callID, status: status, endOfStream: endOfStream, arena: arena, payloadSize: bytes.count,
                payload: bytes.isEmpty ? .none : .bytes(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)))
        }
    }

    /// Appends one `RPCClientFrame` carrying a `Request` whose payload is `message`, packed once into this buffer.
    /// The C structs are filled in `arena`, whose scope the caller holds.
    public mutating func writeRequestFrame<M: WireMessage>(
        callID: UInt64, method: String, message: M, timeoutMs: UInt32 = 0, metadata: [String: String] = [:],
        arena: CArena
    ) {
        let payload = M.wireCodec.fill(message, arena)
        let frame = arena.make(taskmanager__rpc__v1__client_frame__init)
        let request = arena.make(taskmanager__rpc__v1__request__init)
        frame.pointee.kind_case = TASKMANAGER__RPC__V1__CLIENT_FRAME__KIND_REQUEST
        frame.pointee.request = request
        request.pointee.call_id = callID
        request.pointee.method = arena.string(method)
        request.pointee.timeout_ms = timeoutMs
        (request.pointee.n_metadata, request.pointee.metadata) = arena.mapEntries(metadata, taskmanager__rpc__v1__request__metadata_entry__init) {
            $0.key = $1
            $0.value = $2
        }
        writeFrame(UnsafePointer(OpaquePointer(frame)), payloadSlot: &request.pointee.payload,
                   payload: .message(payload), payloadSize: protobuf_c_message_get_packed_size(payload))
    }

    private enum Payload {
        case none
        case bytes(UnsafePointer<UInt8>)
        case message(UnsafePointer<ProtobufCMessage>)
    }

    @discardableResult
    private mutating func writeResponseFrame(
        callID: UInt64, status: RPCStatus, endOfStream: Bool, arena: CArena, payloadSize: Int, payload: Payload,
        maxFrameBytes: Int = .max
    ) -> Int {
        let frame = arena.make(taskmanager__rpc__v1__server_frame__init)
        let response = arena.make(taskmanager__rpc__v1__response__init)
        frame.pointee.kind_case = TASKMANAGER__RPC__V1__SERVER_FRAME__KIND_RESPONSE
        frame.pointee.response = response
        response.pointee.call_id = callID
        response.pointee.status = arena.message(status)
        response.pointee.end_of_stream = endOfStream ? 1 : 0
        return writeFrame(
            UnsafePointer(OpaquePointer(frame)), payloadSlot: &response.pointee.payload, payload: payload,
            payloadSize: payloadSize, maxFrameBytes: maxFrameBytes)
    }

    /// Appends `envelope` as one length-prefixed frame, with `payload` as the bytes field `payloadSlot` of the
    /// envelope: raw bytes are copied once, and a message is packed in place.
    ///
    /// Returns the envelope's packed size; writes nothing when that exceeds `maxFrameBytes` (the size counts only
    /// the payload's length, never its bytes, so checking it costs nothing).
    @discardableResult
    private mutating func writeFrame(
        _ envelope: UnsafePointer<ProtobufCMessage>, payloadSlot: UnsafeMutablePointer<ProtobufCBinaryData>,
        payload: Payload, payloadSize: Int, maxFrameBytes: Int = .max
    ) -> Int {
        withUnsafeMutablePointer(to: &self) { buffer in
            var target = AppendTarget(buffer: buffer, payload: nil)
            return withUnsafeMutablePointer(to: &target) { target in
                switch payload {
                case .none:
                    break
                case .bytes(let bytes):
                    payloadSlot.pointee = ProtobufCBinaryData(len: payloadSize, data: UnsafeMutablePointer(mutating: bytes))
                case .message(let message):
                    // The target's own address marks the payload: no real field points there.
                    target.pointee.payload = message
                    payloadSlot.pointee = ProtobufCBinaryData(
                        len: payloadSize, data: UnsafeMutableRawPointer(target).assumingMemoryBound(to: UInt8.self))
                }
                let length = protobuf_c_message_get_packed_size(envelope)
                guard length <= maxFrameBytes else { return length }
                buffer.pointee.writeInteger(UInt32(length), endianness: .big)
                var sink = TMAppendBuffer(base: ProtobufCBuffer(append: appendToTarget), target: UnsafeMutableRawPointer(target))
                withUnsafeMutablePointer(to: &sink) { sink in
                    sink.withMemoryRebound(to: ProtobufCBuffer.self, capacity: 1) { base in
                        _ = protobuf_c_message_pack_to_buffer(envelope, base)
                    }
                }
                return length
            }
        }
    }
}

/// Where `appendToTarget` writes: the outbound buffer, and the payload message to pack in place of the marker.
private struct AppendTarget {
    var buffer: UnsafeMutablePointer<ByteBuffer>
    var payload: UnsafePointer<ProtobufCMessage>?
}

/// protobuf-c's append callback: copies envelope bytes, and packs the payload message where its marker comes.
private func appendToTarget(_ sink: UnsafeMutablePointer<ProtobufCBuffer>?, _ length: Int, _ data: UnsafePointer<UInt8>?) {
    let target = UnsafeMutableRawPointer(sink!).assumingMemoryBound(to: TMAppendBuffer.self).pointee.target
        .assumingMemoryBound(to: AppendTarget.self)
    if let payload = target.pointee.payload, UnsafeRawPointer(data) == UnsafeRawPointer(target) {
        target.pointee.buffer.pointee.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { raw in
            protobuf_c_message_pack(payload, raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
    } else if length > 0, let data {
        target.pointee.buffer.pointee.writeBytes(UnsafeRawBufferPointer(start: data, count: length))
    }
}
