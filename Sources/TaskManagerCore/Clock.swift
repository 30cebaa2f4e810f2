import Foundation

/// The source of wall-clock time for every rule that depends on time, so tests can move it by hand.
public protocol WallClock: Sendable {
    /// Milliseconds since the Unix epoch.
    func nowMs() -> Int64
}

/// The real clock.
public struct SystemClock: WallClock {
    public init() {}
    public func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
