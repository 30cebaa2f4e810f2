import NIOCore
import TaskManagerStore
@testable import TaskManagerServer
import TaskManagerCore
import TaskManagerProtocol
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
        struct NeverCalled: TaskStore {
            func ping() async throws {}
            func registerTaskType(name: String, version: String, paramSchemaJSON: String, nowMs: Int64) async throws -> (taskType: TaskType, created: Bool) { fatalError() }
            func taskType(named name: String) async throws -> TaskType? { nil }
            func listTaskTypes(activeOnly: Bool) async throws -> [TaskType] { [] }
            func setTaskTypeActive(name: String, active: Bool, nowMs: Int64) async throws -> TaskType? { nil }
            func createTask(_ task: NewTask) async throws -> (task: Task, deduplicated: Bool) { fatalError() }
            func claimTask(_ query: ClaimQuery) async throws -> Task? { nil }
            func updateProgress(id: Int64, workerID: String, progress: Int32, message: String, nowMs: Int64) async throws -> Task { fatalError() }
            func completeTask(id: Int64, workerID: String, resultJSON: String, nowMs: Int64) async throws -> Task { fatalError() }
            func failTask(id: Int64, workerID: String, error: String, nowMs: Int64) async throws -> (task: Task, retried: Bool) { fatalError() }
            func task(id: Int64) async throws -> Task? { nil }
            func listTasks(_ filter: TaskFilter) async throws -> (tasks: [Task], total: Int64) { ([], 0) }
            func history(taskID: Int64) async throws -> [HistoryEntry]? { nil }
        }
        TaskService(store: NeverCalled(), options: .init()).register(in: &table)
    }
}
