/// The progress rate and ETA of a claimed task's current attempt: the last progress point and a smoothed speed.
///
/// Method. The points of an attempt are (progress, time): the claim is the first point, progress 0 at the claim
/// time; each UpdateProgress whose progress differs from the stored one adds a point (p, t). Reports that leave
/// the progress as it was add no point. For each new point the instant speed is
/// `(p - p_prev) / (t - t_prev)` in percent per second, and the rate is its exponentially weighted moving average:
/// `rate = instant` for the first speed, else `rate = 0.5 * instant + 0.5 * rate` (alpha 0.5: recent behaviour
/// dominates, a single jump is damped). A point at the same time as the previous one or earlier (`t <= t_prev`), or
/// with lower progress (`p < p_prev`), gives no speed: it resets the rate to unknown and just becomes the new
/// previous point, so the estimate starts again from it.
///
/// With a known positive rate and progress below 100, `eta = t_last + (100 - p_last) / rate * 1000` ms, rounded to
/// the nearest millisecond, where (p_last, t_last) is the last point (the last change of progress). Otherwise there
/// is no estimate: ETA 0 and rate 0. So an estimate needs at least two points, the claim and one change.
public struct ProgressRate: Hashable, Sendable {
    /// The weight of the newest instant speed in the moving average.
    public static let alpha = 0.5

    /// The progress of the last point, 0–100.
    public var progress: Int32
    /// When the progress last changed (the claim time before the first change), Unix epoch ms.
    public var atMs: Int64
    /// The smoothed speed in percent per second; nil = unknown (fewer than two points since the last reset).
    public var rate: Double?

    /// A state from its parts, as stored.
    public init(progress: Int32, atMs: Int64, rate: Double? = nil) {
        self.progress = progress
        self.atMs = atMs
        self.rate = rate
    }

    /// The state at the start of an attempt: progress 0 at the claim time, rate unknown.
    public static func claimed(atMs: Int64) -> ProgressRate {
        ProgressRate(progress: 0, atMs: atMs)
    }

    /// The state after a progress report of `progress` at `atMs`.
    ///
    /// - Returns: `self` when `progress` is the last point's (not a change); a reset state (that point, rate
    ///   unknown) when the report is not later than the last point or goes backwards; else the new point with the
    ///   moving average updated by the instant speed.
    public func adding(progress: Int32, atMs: Int64) -> ProgressRate {
        guard progress != self.progress else { return self }
        guard atMs > self.atMs, progress > self.progress else {
            return ProgressRate(progress: progress, atMs: atMs)
        }
        // In Double: the differences of arbitrary Int64 and Int32 values cannot overflow there.
        let seconds = (Double(atMs) - Double(self.atMs)) / 1000
        let instant = (Double(progress) - Double(self.progress)) / seconds
        let average = rate.map { Self.alpha * instant + (1 - Self.alpha) * $0 } ?? instant
        return ProgressRate(progress: progress, atMs: atMs, rate: average)
    }

    /// The estimated completion time in Unix epoch ms, or 0 when there is no estimate (rate unknown or not
    /// positive, or `progress` not below 100). Saturates at `Int64.max` for a rate too small to express.
    ///
    /// - Parameter progress: the task's current progress (the last point's, as stored).
    public func etaMs(progress: Int32) -> Int64 {
        let perSecond = percentPerSecond(progress: progress)
        guard perSecond > 0 else { return 0 }
        let eta = (Double(atMs) + (100 - Double(progress)) / perSecond * 1000).rounded()
        // Double(Int64.max) is 2^63, one more than Int64.max, so anything below it converts without trapping.
        return eta < Double(Int64.max) ? Int64(eta) : .max
    }

    /// The rate as the API reports it: the known positive rate while `progress` is below 100, else 0.
    ///
    /// - Parameter progress: the task's current progress (the last point's, as stored).
    public func percentPerSecond(progress: Int32) -> Double {
        guard let rate, rate > 0, rate.isFinite, progress < 100 else { return 0 }
        return rate
    }
}
