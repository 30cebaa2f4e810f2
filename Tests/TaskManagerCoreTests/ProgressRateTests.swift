import TaskManagerCore
import XCTest

final class ProgressRateTests: XCTestCase {
    let claimedAt: Int64 = 1_764_000_000_000

    /// The state after reporting each (progress, seconds after the claim) in turn from a claim at `claimedAt`.
    private func reported(_ points: [(Int32, Double)]) -> ProgressRate {
        points.reduce(ProgressRate.claimed(atMs: claimedAt)) { state, point in
            state.adding(progress: point.0, atMs: claimedAt + Int64((point.1 * 1000).rounded()))
        }
    }

    /// Asserts that `eta` is within 10 % of the task's whole duration from the true end.
    private func assertWithinTenPercent(_ eta: Int64, trueEndMs: Int64, _ message: String = "",
                                        file: StaticString = #filePath, line: UInt = #line)
    {
        let tolerance = Double(trueEndMs - claimedAt) * 0.1
        XCTAssertEqual(Double(eta), Double(trueEndMs), accuracy: tolerance, message, file: file, line: line)
    }

    func testASteadyTaskGetsAnETAWithinTenPercentOfItsTrueEnd() {
        // 5 % every 10 s: done 200 s after the claim.
        let trueEnd = claimedAt + 200_000
        var state = ProgressRate.claimed(atMs: claimedAt)
        for step in 1...19 {
            state = state.adding(progress: Int32(5 * step), atMs: claimedAt + Int64(10_000 * step))
            assertWithinTenPercent(state.etaMs(progress: state.progress), trueEndMs: trueEnd, "at \(5 * step) %")
            XCTAssertEqual(state.percentPerSecond(progress: state.progress), 0.5, accuracy: 1e-12)
        }
        XCTAssertEqual(state.etaMs(progress: 95), trueEnd, "a steady task is estimated exactly")
    }

    func testASteadyTaskReportingALittleLateOrEarlyStaysWithinTenPercent() {
        // 5 % every 10 s, each report up to half a second off.
        let offsets: [Double] = [0.5, -0.5, 0.3, -0.4, 0.5, -0.2, 0.1, -0.5, 0.4, 0, 0.5, -0.5, 0.3, -0.4, 0.5,
                                 -0.2, 0.1, -0.5, 0.4]
        var state = ProgressRate.claimed(atMs: claimedAt)
        for (index, offset) in offsets.enumerated() {
            let step = index + 1
            state = state.adding(progress: Int32(5 * step), atMs: claimedAt + Int64((Double(10 * step) + offset) * 1000))
            assertWithinTenPercent(state.etaMs(progress: state.progress), trueEndMs: claimedAt + 200_000,
                                   "at \(5 * step) %")
        }
    }

    func testThereIsNoETABeforeTheFirstChange() {
        let claimed = ProgressRate.claimed(atMs: claimedAt)
        XCTAssertNil(claimed.rate)
        XCTAssertEqual(claimed.etaMs(progress: 0), 0)
        XCTAssertEqual(claimed.percentPerSecond(progress: 0), 0)
    }

    func testTheFirstChangeGivesTheSpeedSinceTheClaim() {
        let state = reported([(10, 20)])
        XCTAssertEqual(state.rate ?? 0, 0.5, accuracy: 1e-12)
        XCTAssertEqual(state.etaMs(progress: 10), claimedAt + 20_000 + 180_000)
    }

    func testEachNewSpeedWeighsHalf() {
        // Speeds 1 %/s then 3 %/s: 0.5 * 3 + 0.5 * 1.
        let state = reported([(10, 10), (40, 20)])
        XCTAssertEqual(state.rate ?? 0, 2, accuracy: 1e-12)
        XCTAssertEqual(state.etaMs(progress: 40), claimedAt + 20_000 + 30_000)
    }

    func testTheETAIsRoundedToTheNearestMillisecond() {
        // 1 %/s then 2 %/s: 1.5 %/s; 70 % left take 46 666.67 ms.
        let state = reported([(10, 10), (30, 20)])
        XCTAssertEqual(state.etaMs(progress: 30), claimedAt + 20_000 + 46_667)
    }

    func testATaskThatSpeedsUpConvergesToItsNewSpeed() {
        // 1 % every 10 s (0.1 %/s), then 10 % every 10 s (1 %/s).
        var points: [(Int32, Double)] = (1...5).map { (Int32($0), Double(10 * $0)) }
        var errors: [Double] = []
        for step in 1...5 {
            points.append((Int32(5 + 10 * step), Double(50 + 10 * step)))
            errors.append(abs((reported(points).rate ?? 0) - 1))
        }
        XCTAssertEqual(errors, errors.sorted(by: >), "each report at the new speed gets closer")
        XCTAssertLessThan(errors.last ?? 1, 0.05)
        // At 55 % after 100 s: the remaining 45 % take 45 s at the new speed.
        let eta = reported(points).etaMs(progress: 55)
        XCTAssertEqual(Double(eta), Double(claimedAt + 145_000), accuracy: 45_000 * 0.1)
    }

    func testReportingTheSameProgressAddsNoPoint() {
        let state = reported([(10, 10)])
        XCTAssertEqual(state.adding(progress: 10, atMs: claimedAt + 60_000), state)
    }

    func testBackwardsProgressResetsTheRateAndBecomesTheLastPoint() {
        let back = reported([(10, 10), (50, 20), (30, 30)])
        XCTAssertEqual(back, ProgressRate(progress: 30, atMs: claimedAt + 30_000, rate: nil))
        XCTAssertEqual(back.etaMs(progress: 30), 0)
        XCTAssertEqual(back.percentPerSecond(progress: 30), 0)
        // The next change measures from the reset point only: 10 % in 5 s.
        let next = back.adding(progress: 40, atMs: claimedAt + 35_000)
        XCTAssertEqual(next.rate ?? 0, 2, accuracy: 1e-12)
    }

    func testAChangeAtTheSameTimeOrEarlierResetsTheRate() {
        let state = reported([(10, 10)])
        XCTAssertEqual(state.adding(progress: 20, atMs: claimedAt + 10_000),
                       ProgressRate(progress: 20, atMs: claimedAt + 10_000, rate: nil))
        XCTAssertEqual(state.adding(progress: 20, atMs: claimedAt + 9_000),
                       ProgressRate(progress: 20, atMs: claimedAt + 9_000, rate: nil))
    }

    func testAHundredPercentGivesNoETAAndNoRate() {
        let done = reported([(50, 10), (100, 20)])
        XCTAssertNotNil(done.rate)
        XCTAssertEqual(done.etaMs(progress: 100), 0)
        XCTAssertEqual(done.percentPerSecond(progress: 100), 0)
    }

    func testAVerySlowRateSaturatesInsteadOfTrapping() {
        let state = ProgressRate(progress: 1, atMs: claimedAt, rate: 1e-300)
        XCTAssertEqual(state.etaMs(progress: 1), .max)
    }
}
