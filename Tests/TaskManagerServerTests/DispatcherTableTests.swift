import NIOCore
import TaskManagerStore
@testable import TaskManagerServer
import TaskManagerCore
import TaskManagerProtocol
import Foundation
import XCTest

final class DispatcherTableTests: XCTestCase {
    func testEveryDescriptorMethodNeedsAHandler() {
        var table = HandlerTable(description: .taskService)
        table.unary("Health", HealthRequest.self, HealthResponse.self) { _, _ in HealthResponse() }
        XCTAssertThrowsError(try table.build()) { error in
            let problems = (error as? DispatcherConfigurationError)?.problems ?? []
            XCTAssertTrue(problems.contains("method GetTask has no handler"), "\(problems)")
            XCTAssertFalse(problems.contains("method Health has no handler"))
        }
    }

    func testAHandlerWithoutAMethodIsRefused() throws {
        var table = HandlerTable(description: .taskService)
        registerAll(&table)
        table.unary("Bogus", HealthRequest.self, HealthResponse.self) { _, _ in HealthResponse() }
        XCTAssertThrowsError(try table.build()) { error in
            XCTAssertEqual((error as? DispatcherConfigurationError)?.problems, ["handler Bogus has no method in taskmanager.v1.TaskService"])
        }
    }

    func testAHandlerWithTheWrongTypesIsRefused() throws {
        var table = HandlerTable(description: .taskService)
        registerAll(&table)
        table.unary("GetTask", GetTaskTypeRequest.self, TaskType.self) { _, _ in TaskType() }
        XCTAssertThrowsError(try table.build())
    }

    func testTheServiceRegistersExactlyTheDescriptorMethods() throws {
        var table = HandlerTable(description: .taskService)
        registerAll(&table)
        let built = try table.build()
        XCTAssertEqual(Set(built.keys), Set(ServiceDescription.taskService.methods.map(\.path)))
    }

    private func registerAll(_ table: inout HandlerTable) {
        // Registration never calls the store; a real one on a throwaway file keeps the service honest.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dispatcher-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let store = try? SQLiteTaskStore(path: path) else { return XCTFail("cannot open \(path)") }
        defer { store.close() }
        TaskService(store: store, options: .init()).register(in: &table)
    }
}
