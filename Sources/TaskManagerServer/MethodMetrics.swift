import CoreMetrics
import NIOCore
import TaskManagerCore
import TaskManagerProtocol

/// The call metrics of one method: a counter per status code and a latency histogram, each made on first use.
/// Made once per method when the dispatcher is built; recording a call builds no string and takes no lock of ours.
final class MethodMetrics: Sendable {
    private let codes: [LazyMetric<Counter>]
    private let latency: LazyMetric<Timer>
    private let inFlight: Meter

    init(method: String, inFlight: Meter, factory: any MetricsFactory) {
        codes = (0...16).map { raw in
            let code = "\(StatusCode(rawValue: Int32(raw)))"
            return LazyMetric { Counter(label: ServerMetrics.callsName, dimensions: [("method", method), ("code", code)], factory: factory) }
        }
        latency = LazyMetric { Timer(label: ServerMetrics.callDurationName, dimensions: [("method", method)], factory: factory) }
        self.inFlight = inFlight
    }

    /// A call of this method went on in a task (see `finished`).
    func started() {
        inFlight.increment()
    }

    /// A call that `started()` was answered with `answer`.
    func finished(_ answer: Dispatcher.Answer, startedNs: UInt64) {
        inFlight.decrement()
        answered(answer, startedNs: startedNs)
    }

    /// A call was answered with `answer`; it started at `startedNs` (`NIODeadline`'s uptime).
    func answered(_ answer: Dispatcher.Answer, startedNs: UInt64) {
        let code: StatusCode
        switch answer {
        case .message: code = .ok
        case .status(let status), .statusWithMetadata(let status, _): code = status.code
        }
        let index = Int(code.rawValue)
        codes[codes.indices.contains(index) ? index : Int(StatusCode.unknown.rawValue)].value.increment()
        latency.value.recordNanoseconds(NIODeadline.now().uptimeNanoseconds &- startedNs)
    }
}
