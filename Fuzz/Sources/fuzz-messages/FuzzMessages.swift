import NIOCore
import TaskManagerCore
import TaskManagerProtocol

// Input: byte 0 picks a message type of TaskService (its requests, then its responses), the rest is that message's
// bytes, decoded as the server decodes a payload (`checkWire`, then `init(wireBytes:arena:checked: false)`).
//
// Properties: the only errors are TaskManagerErrors with INVALID_ARGUMENT or RESOURCE_EXHAUSTED; a decoded value
// re-encodes to bytes that pass `checkWire` and decode to the same value, and those bytes are stable (encoding the
// second value gives them again). A value holding a NaN (in a double field) is not equal to itself; for it the
// descriptions are compared, which print every double exactly.

// libFuzzer calls the target from one thread only.
nonisolated(unsafe) private let arena = CArena()

/// One message type: its proto name and its round trip over one input.
private struct Entry: Sendable {
    var protoName: String
    var run: @Sendable (UnsafeRawBufferPointer) -> Void

    init<M: WireMessage & Equatable>(_ type: M.Type) {
        protoName = M.protoName
        run = { roundTrip(M.self, $0) }
    }
}

private let entries: [Entry] = [
    Entry(HealthRequest.self),
    Entry(RegisterTaskTypeRequest.self),
    Entry(GetTaskTypeRequest.self),
    Entry(ListTaskTypesRequest.self),
    Entry(SetTaskTypeActiveRequest.self),
    Entry(CreateTaskRequest.self),
    Entry(ClaimTaskRequest.self),
    Entry(UpdateProgressRequest.self),
    Entry(CompleteTaskRequest.self),
    Entry(FailTaskRequest.self),
    Entry(GetTaskRequest.self),
    Entry(ListTasksRequest.self),
    Entry(GetTaskHistoryRequest.self),
    Entry(HeartbeatRequest.self),
    Entry(CancelTaskRequest.self),
    Entry(WatchTaskRequest.self),
    Entry(WatchTasksRequest.self),
    Entry(GetStatsRequest.self),
    Entry(CreateTasksRequest.self),
    Entry(ClaimTasksRequest.self),
    // Responses: what the client decodes.
    Entry(HealthResponse.self),
    Entry(RegisterTaskTypeResponse.self),
    Entry(TaskType.self),
    Entry(ListTaskTypesResponse.self),
    Entry(CreateTaskResponse.self),
    Entry(ClaimTaskResponse.self),
    Entry(UpdateProgressResponse.self),
    Entry(CompleteTaskResponse.self),
    Entry(FailTaskResponse.self),
    Entry(Task.self),
    Entry(ListTasksResponse.self),
    Entry(GetTaskHistoryResponse.self),
    Entry(HeartbeatResponse.self),
    Entry(CancelTaskResponse.self),
    Entry(TaskEvent.self),
    Entry(GetStatsResponse.self),
    Entry(CreateTasksResponse.self),
    Entry(ClaimTasksResponse.self),
]

/// Fails at start when a method of the service has a type missing above, so that a new RPC is fuzzed too.
private let checkedEntries: [Entry] = {
    let names = Set(entries.map(\.protoName))
    let service = Set(ServiceDescription.taskService.methods.flatMap { [$0.inputType, $0.outputType] })
    guard names == service else {
        fatalError("fuzz-messages lists \(names.subtracting(service).sorted()) but misses \(service.subtracting(names).sorted())")
    }
    return entries
}()

private func fail(_ message: String) -> Never {
    fatalError(message)
}

/// Whether two values that `==` calls different print the same and hold a NaN: equal but for NaN != NaN.
private func sameWithNaN<M>(_ a: M, _ b: M) -> Bool {
    let description = String(describing: a)
    return description.contains("nan") && description == String(describing: b)
}

private func roundTrip<M: WireMessage & Equatable>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) {
    let value: M
    do {
        try M.checkWire(bytes)
        value = try arena.withScope { try M(wireBytes: bytes, arena: arena, checked: false) }
    } catch let error as TaskManagerError {
        guard error.code == .invalidArgument || error.code == .resourceExhausted else { fail("unexpected code: \(error)") }
        return
    } catch {
        fail("unexpected error type: \(error)")
    }
    let encoded = value.wireBytes()
    let again: M
    do {
        try encoded.withUnsafeReadableBytes { try M.checkWire($0) }
        again = try M(wireBytes: encoded)
    } catch {
        fail("\(M.protoName) re-encoded does not decode: \(error)")
    }
    guard again == value || sameWithNaN(value, again) else {
        fail("\(M.protoName) changed in a round trip:\n  decoded: \(value)\n  again:   \(again)")
    }
    guard again.wireBytes() == encoded else { fail("\(M.protoName) encodes differently after a round trip") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let entry = checkedEntries[Int(data[0]) % checkedEntries.count]
    entry.run(UnsafeRawBufferPointer(start: data + 1, count: size - 1))
    return 0
}
