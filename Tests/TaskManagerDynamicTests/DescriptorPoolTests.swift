import Foundation
import TaskManagerCore
import TaskManagerDynamic
import XCTest

/// Reading protoc's descriptor set of the served protos (`Generated/descriptors/taskmanager.protoset`, what the
/// reflection RPC sends), and finding methods by their full or short names.
final class DescriptorPoolTests: XCTestCase {
    static func servedPool() throws -> DescriptorPool {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bytes = try Data(contentsOf: root.appendingPathComponent("Generated/descriptors/taskmanager.protoset"))
        return try DescriptorPool(fileDescriptorSet: Array(bytes))
    }

    func testTheServedProtosAreRead() throws {
        let pool = try Self.servedPool()
        XCTAssertEqual(pool.services.map(\.fullName), ["taskmanager.rpc.v1.Reflection", "taskmanager.v1.TaskService"])
        let taskService = try XCTUnwrap(pool.services.last)
        XCTAssertEqual(taskService.methods.count, 20)
        let watch = try XCTUnwrap(taskService.methods.first { $0.name == "WatchTask" })
        XCTAssertEqual(watch.inputType, "taskmanager.v1.WatchTaskRequest")
        XCTAssertEqual(watch.outputType, "taskmanager.v1.TaskEvent")
        XCTAssertTrue(watch.serverStreaming)
        XCTAssertFalse(watch.clientStreaming)
        XCTAssertEqual(watch.path, "/taskmanager.v1.TaskService/WatchTask")

        let task = try pool.message("taskmanager.v1.Task")
        let maxAttempts = try XCTUnwrap(task.field(jsonKey: "max_attempts"))
        XCTAssertEqual(maxAttempts, task.field(jsonKey: "maxAttempts"))
        XCTAssertEqual(maxAttempts.number, 9)
        XCTAssertEqual(maxAttempts.kind, .int32)
        XCTAssertEqual(task.field(number: 4)?.typeName, "taskmanager.v1.TaskStatus")
        XCTAssertEqual(pool.enums["taskmanager.v1.TaskStatus"]?.name(of: 3), "TASK_STATUS_COMPLETED")

        let request = try pool.message("taskmanager.rpc.v1.Request")
        let metadata = try XCTUnwrap(request.field(jsonKey: "metadata"))
        XCTAssertEqual(pool.typeDescription(of: metadata), "map<string, string>")
        XCTAssertEqual(try pool.message("taskmanager.rpc.v1.Request.MetadataEntry").isMapEntry, true)
        XCTAssertEqual(request.field(jsonKey: "callId")?.kind, .uint64)
        let frame = try pool.message("taskmanager.rpc.v1.ClientFrame")
        XCTAssertEqual(frame.oneofNames, ["kind"])
        XCTAssertEqual(frame.field(jsonKey: "ping")?.oneofIndex, 0)
        let tasks = try XCTUnwrap(try pool.message("taskmanager.v1.CreateTasksRequest").field(jsonKey: "tasks"))
        XCTAssertEqual(pool.typeDescription(of: tasks), "repeated taskmanager.v1.CreateTaskRequest")
    }

    func testAServedMessageRoundTripsThroughItsDescriptors() throws {
        let pool = try Self.servedPool()
        let json = try JSONValue.parse(#"{"tasks": [{"type": "resize", "paramsJson": "{\"w\":1}", "priority": -3, "runAtMs": "1700000000000"}]}"#)
        let bytes = try ProtoJSONEncoder(pool: pool).encode(json, as: "taskmanager.v1.CreateTasksRequest")
        XCTAssertEqual(try ProtoJSONDecoder(pool: pool).decode(bytes, as: "taskmanager.v1.CreateTasksRequest"), json)
    }

    func testMethodsByFullShortAndBareName() throws {
        let pool = try Self.servedPool()
        for name in [
            "taskmanager.v1.TaskService/CreateTask", "/taskmanager.v1.TaskService/CreateTask", "taskmanager.v1.TaskService.CreateTask",
            "TaskService/CreateTask", "CreateTask",
        ] {
            XCTAssertEqual(try pool.method(named: name).fullName, "taskmanager.v1.TaskService/CreateTask", name)
        }
        XCTAssertEqual(try pool.method(named: "GetFileDescriptorSet").serviceName, "taskmanager.rpc.v1.Reflection")
    }

    func testAnUnknownMethodListsCloseNames() throws {
        let pool = try Self.servedPool()
        XCTAssertThrowsError(try pool.method(named: "CreatTask")) { error in
            XCTAssertEqual(
                (error as? ProtoJSONError)?.description,
                "Unknown method CreatTask; did you mean taskmanager.v1.TaskService/CreateTask, taskmanager.v1.TaskService/CreateTasks?")
        }
        XCTAssertThrowsError(try pool.method(named: "Frobnicate")) { error in
            XCTAssertEqual((error as? ProtoJSONError)?.code, .unknownMethod)
            XCTAssertEqual((error as? ProtoJSONError)?.message, "Unknown method Frobnicate; `taskmanager call --list` lists them")
        }
        XCTAssertThrowsError(try pool.method(named: "OtherService/CreateTask"))
    }

    func testABareNameTwoServicesShareIsAmbiguous() throws {
        let empty = MessageDescriptor(fullName: "a.Empty", fields: [])
        let pool = try DescriptorPool(
            messages: [empty],
            services: ["a.One", "b.Two"].map {
                ServiceDescriptor(fullName: $0, methods: [MethodDescriptor(name: "Get", serviceName: $0, inputType: "a.Empty", outputType: "a.Empty")])
            })
        XCTAssertThrowsError(try pool.method(named: "Get")) { error in
            XCTAssertEqual((error as? ProtoJSONError)?.message, "Method Get is ambiguous: it may be a.One/Get, b.Two/Get")
        }
        XCTAssertEqual(try pool.method(named: "Two/Get").serviceName, "b.Two")
    }

    func testBytesThatAreNotADescriptorSetAreRefused() throws {
        XCTAssertThrowsError(try DescriptorPool(fileDescriptorSet: [0x0A, 0x05, 0x01])) { error in
            XCTAssertEqual((error as? ProtoJSONError)?.code, .invalidDescriptor)
        }
        let dangling = MessageDescriptor(fullName: "a.M", fields: [FieldDescriptor(name: "x", number: 1, kind: .message, typeName: "a.Gone")])
        XCTAssertThrowsError(try DescriptorPool(messages: [dangling])) { error in
            XCTAssertEqual((error as? ProtoJSONError)?.message, "a.M.x refers to a.Gone, which is not in the descriptors")
        }
    }
}
