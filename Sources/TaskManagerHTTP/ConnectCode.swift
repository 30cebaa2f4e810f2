import Hummingbird
import TaskManagerCore

/// An RPC status code as the Connect protocol writes it in an HTTP answer: its lowercase name and HTTP status.
///
/// FAILED_PRECONDITION is 400, as in Connect's table (which moved it off 412): the request cannot succeed in the
/// state the task is in, and 412 would speak of HTTP's own conditional headers.
struct ConnectCode: Hashable, Sendable {
    /// `not_found`, `invalid_argument`; `canceled` as Connect spells it.
    var name: String
    var httpStatus: Int

    init(_ code: StatusCode) {
        switch code {
        case .cancelled: (name, httpStatus) = ("canceled", 499)
        case .invalidArgument: (name, httpStatus) = ("invalid_argument", 400)
        case .deadlineExceeded: (name, httpStatus) = ("deadline_exceeded", 504)
        case .notFound: (name, httpStatus) = ("not_found", 404)
        case .alreadyExists: (name, httpStatus) = ("already_exists", 409)
        case .permissionDenied: (name, httpStatus) = ("permission_denied", 403)
        case .resourceExhausted: (name, httpStatus) = ("resource_exhausted", 429)
        case .failedPrecondition: (name, httpStatus) = ("failed_precondition", 400)
        case .aborted: (name, httpStatus) = ("aborted", 409)
        case .outOfRange: (name, httpStatus) = ("out_of_range", 400)
        case .unimplemented: (name, httpStatus) = ("unimplemented", 501)
        case .internal: (name, httpStatus) = ("internal", 500)
        case .unavailable: (name, httpStatus) = ("unavailable", 503)
        case .dataLoss: (name, httpStatus) = ("data_loss", 500)
        case .unauthenticated: (name, httpStatus) = ("unauthenticated", 401)
        default: (name, httpStatus) = ("unknown", 500)
        }
    }

    var status: HTTPResponse.Status {
        httpStatus == 499 ? HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request") : HTTPResponse.Status(code: httpStatus)
    }
}
