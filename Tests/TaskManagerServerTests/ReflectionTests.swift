import Foundation
import NIOCore
import TaskManagerCore
import TaskManagerProtocol
@testable import TaskManagerServer
import XCTest

/// `taskmanager.rpc.v1.Reflection/GetFileDescriptorSet` serves protoc's descriptor set of every proto, exactly as
/// `scripts/generate` wrote it to `Generated/descriptors/`, to every key's role, and names the services.
final class ReflectionTests: ServerTestCase {
    func testTheServerServesTheGeneratedDescriptorSet() async throws {
        let keysPath = directory.appendingPathComponent("keys").path
        let worker = try KeysFile.makeKey(name: "w", role: .worker)
        try KeysFile(entries: [worker.entry]).write(to: keysPath)
        try await startServer { $0.keysFile = keysPath }
        let raw = try await RawConnection.connect(port: server.port)
        let request = RPCRequest(
            callID: 1, method: "/taskmanager.rpc.v1.Reflection/GetFileDescriptorSet",
            payload: RPCGetFileDescriptorSetRequest().wireBytes(), metadata: ["x-api-key": worker.key])
        try await raw.send(.request(request))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.status.code, .ok, response.status.message)
        let answer = try RPCGetFileDescriptorSetResponse(wireBytes: response.payload)
        XCTAssertEqual(answer.services, ["taskmanager.rpc.v1.Reflection", "taskmanager.v1.TaskService"])

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try Data(contentsOf: root.appendingPathComponent("Generated/descriptors/taskmanager.protoset"))
        XCTAssertEqual(Array(answer.fileDescriptorSet.readableBytesView), Array(file))
        XCTAssertGreaterThan(file.count, 10_000)

        // Without a key, like every method but Health.
        try await raw.send(.request(RPCRequest(callID: 2, method: request.method, payload: ByteBuffer())))
        let refused = try await raw.nextResponse()
        XCTAssertEqual(refused.status.code, .unauthenticated)
        await raw.close()
    }
}
