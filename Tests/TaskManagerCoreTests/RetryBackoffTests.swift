import TaskManagerCore
import XCTest

final class RetryBackoffTests: XCTestCase {
    let backoff = RetryBackoff(baseMs: 1000, capMs: 30_000)

    func testTheWaitDoublesWithEachAttemptUpToTheCap() {
        XCTAssertEqual((1...7).map { backoff.delayMs(afterAttempt: $0, jitter: 0.999_999) }, [999, 1999, 3999, 7999, 15999, 29999, 29999])
    }

    func testJitterScalesOnlyTheUpperHalf() {
        XCTAssertEqual(backoff.delayMs(afterAttempt: 3, jitter: 0), 2000)
        XCTAssertEqual(backoff.delayMs(afterAttempt: 3, jitter: 0.5), 3000)
    }

    func testABaseOfZeroMeansNoWait() {
        XCTAssertEqual(RetryBackoff(baseMs: 0, capMs: 1000).delayMs(afterAttempt: 5, jitter: 0.7), 0)
    }

    func testHugeAttemptNumbersDoNotOverflow() {
        XCTAssertEqual(backoff.delayMs(afterAttempt: .max, jitter: 0), 15_000)
        XCTAssertEqual(RetryBackoff(baseMs: .max / 2, capMs: .max).delayMs(afterAttempt: 60, jitter: 0), .max - .max / 2)
    }
}
