@testable import TaskManagerHTTP
import TaskManagerCore
import XCTest

/// The JSON gateway's HTTP status and code name for every RPC code, as in the Connect protocol's table
/// (docs/call.md); the curl tests see a few of them on a real server.
final class ConnectCodeTests: XCTestCase {
    func testEveryCodeHasConnectsNameAndStatus() {
        let expected: [(StatusCode, String, Int)] = [
            (.cancelled, "canceled", 499), (.unknown, "unknown", 500), (.invalidArgument, "invalid_argument", 400),
            (.deadlineExceeded, "deadline_exceeded", 504), (.notFound, "not_found", 404), (.alreadyExists, "already_exists", 409),
            (.permissionDenied, "permission_denied", 403), (.resourceExhausted, "resource_exhausted", 429),
            (.failedPrecondition, "failed_precondition", 400), (.aborted, "aborted", 409), (.outOfRange, "out_of_range", 400),
            (.unimplemented, "unimplemented", 501), (.internal, "internal", 500), (.unavailable, "unavailable", 503),
            (.dataLoss, "data_loss", 500), (.unauthenticated, "unauthenticated", 401), (StatusCode(rawValue: 99), "unknown", 500),
        ]
        for (code, name, status) in expected {
            let connect = ConnectCode(code)
            XCTAssertEqual(connect.name, name, "\(code)")
            XCTAssertEqual(connect.httpStatus, status, "\(code)")
            XCTAssertEqual(connect.status.code, status, "\(code)")
        }
        XCTAssertEqual(ConnectCode(.cancelled).status.reasonPhrase, "Client Closed Request")
    }
}
