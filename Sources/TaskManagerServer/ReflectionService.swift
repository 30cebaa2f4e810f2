import Foundation
import NIOCore
import TaskManagerProtocol

/// `taskmanager.rpc.v1.Reflection`: the descriptors of every served proto, answered from memory, for generic
/// clients. Every key's role may call it: it tells the schema, nothing about tasks.
struct ReflectionService: Sendable {
    private let response: RPCGetFileDescriptorSetResponse

    init() {
        let bytes = Data(base64Encoded: ServedDescriptors.fileDescriptorSetBase64) ?? Data()
        response = RPCGetFileDescriptorSetResponse(
            fileDescriptorSet: ByteBuffer(bytes: bytes), services: ServedDescriptors.services)
    }

    func register(in table: inout HandlerTable) {
        table.unary(
            "GetFileDescriptorSet", RPCGetFileDescriptorSetRequest.self, RPCGetFileDescriptorSetResponse.self,
            now: { [response] _, _ in response }
        ) { [response] _, _ in response }
    }
}
