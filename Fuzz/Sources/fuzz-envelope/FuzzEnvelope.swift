import NIOCore
import TaskManagerCore
import TaskManagerProtocol

// Input: one frame body, read both as a ClientFrame (`InboundFrame`, the server's zero-copy reading) and as a
// ServerFrame (`InboundServerFrame`, the client's), in one arena reused across inputs as an event loop's is.
//
// Properties: the only errors are TaskManagerErrors with INVALID_ARGUMENT or RESOURCE_EXHAUSTED; the zero-copy
// reading agrees with the value bridging (`RPCClientFrame` / `RPCServerFrame`) on every field; a value read
// re-encodes to bytes that read back to the same value.

// libFuzzer calls the target from one thread only.
nonisolated(unsafe) private let arena = CArena()

private func fail(_ message: String) -> Never {
    fatalError(message)
}

/// Fails unless `error` is one a reader may throw for hostile bytes.
private func checkRefusal(_ error: any Error, prefix: String) {
    guard let error = error as? TaskManagerError else { fail("unexpected error type: \(error)") }
    guard error.code == .invalidArgument || error.code == .resourceExhausted else { fail("unexpected code: \(error)") }
    guard error.message.hasPrefix(prefix) else { fail("message without \"\(prefix)\": \(error.message)") }
}

private func bytes(_ raw: UnsafeRawBufferPointer) -> [UInt8] { Array(raw) }

private func checkClientFrame(_ body: UnsafeRawBufferPointer) {
    let value: RPCClientFrame? = try? RPCClientFrame(wireBytes: body, arena: arena)
    let inbound: InboundFrame
    do {
        inbound = try InboundFrame(body, arena: arena)
    } catch {
        checkRefusal(error, prefix: "Invalid frame: ")
        guard value == nil else { fail("InboundFrame refused a frame that RPCClientFrame reads: \(error)") }
        return
    }
    switch (inbound, value) {
    case (.request(let request), .request(let expected)?):
        guard request.callID == expected.callID, request.timeoutMs == expected.timeoutMs,
            request.methodName == expected.method, bytes(request.method) == Array(expected.method.utf8),
            bytes(request.payload) == Array(expected.payload.readableBytesView),
            request.metadata == expected.metadata
        else { fail("InboundRequest disagrees with RPCRequest") }
        for (key, entry) in expected.metadata where request.metadata(key) != entry {
            fail("metadata(\(key)) disagrees")
        }
    case (.rejected(let callID, let error), nil):
        guard callID > 0, error.code == .invalidArgument else { fail("bad rejection: \(callID) \(error)") }
    case (.cancel(let callID), .cancel(let expected)?):
        guard callID == expected.callID else { fail("cancel disagrees") }
    case (.ping(let nonce), .ping(let expected)?):
        guard nonce == expected.nonce else { fail("ping disagrees") }
    case (.empty, .empty?):
        break
    default:
        fail("InboundFrame \(inbound) disagrees with RPCClientFrame \(String(describing: value))")
    }
    if let value { checkRoundTrip(value) }
}

private func checkServerFrame(_ body: UnsafeRawBufferPointer) {
    let value: RPCServerFrame? = try? RPCServerFrame(wireBytes: body, arena: arena)
    let inbound: InboundServerFrame
    do {
        inbound = try InboundServerFrame(body, arena: arena)
    } catch {
        checkRefusal(error, prefix: "")
        guard value == nil else { fail("InboundServerFrame refused a frame that RPCServerFrame reads: \(error)") }
        return
    }
    switch (inbound, value) {
    case (.response(let response), .response(let expected)?):
        guard response.callID == expected.callID, response.endOfStream == expected.endOfStream,
            bytes(response.payload) == Array(expected.payload.readableBytesView),
            response.status == expected.status, response.copy == expected
        else { fail("InboundResponse disagrees with RPCResponse") }
    case (.pong(let nonce), .pong(let expected)?):
        guard nonce == expected.nonce else { fail("pong disagrees") }
    case (.goAway(let lastCallID, let reason), .goAway(let expected)?):
        guard lastCallID == expected.lastCallID, reason == expected.reason else { fail("go-away disagrees") }
    case (.empty, .empty?):
        break
    default:
        fail("InboundServerFrame \(inbound) disagrees with RPCServerFrame \(String(describing: value))")
    }
    if let value { checkRoundTrip(value) }
}

/// A value read re-encodes to bytes that read back to the same value, and encode to the same bytes again.
private func checkRoundTrip<M: WireMessage & Equatable>(_ value: M) {
    let encoded = value.wireBytes()
    let again: M
    do { again = try M(wireBytes: encoded) } catch { fail("re-encoded \(M.protoName) does not decode: \(error)") }
    guard again == value else { fail("\(M.protoName) changed in a round trip") }
    guard again.wireBytes() == encoded else { fail("\(M.protoName) encodes differently after a round trip") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = UnsafeRawBufferPointer(start: data, count: size)
    arena.withScope { checkClientFrame(body) }
    arena.withScope { checkServerFrame(body) }
    return 0
}
