// How long commands report their progress (the bars of eval, render, decode, bench, play).

/// Hands a progress callback the fraction done, 0 to 1: at most once per interval (100 ms by
/// default), never going back, and 1 at `finish`. Without a callback it does nothing, not even
/// read the clock. Benchmarks call it between timed passes or frames, never inside one.
public struct ProgressThrottle {
  private let report: ((Double) -> Void)?
  private let intervalNanoseconds: Int64
  private var lastReport: Int64?
  private var reached = 0.0

  public init(_ report: ((Double) -> Void)?, intervalNanoseconds: Int64 = 100_000_000) {
    self.report = report
    self.intervalNanoseconds = intervalNanoseconds
  }

  /// Reports `fraction` (clamped to 0...1, and to no less than any earlier one) unless the last
  /// report was less than the interval ago.
  public mutating func update(_ fraction: Double) {
    guard let report else { return }
    let now = MonotonicClock.nanoseconds()
    if let lastReport, now - lastReport < intervalNanoseconds { return }
    lastReport = now
    reached = max(reached, min(max(fraction, 0), 1))
    report(reached)
  }

  /// Reports 1: the work is done.
  public mutating func finish() {
    reached = 1
    report?(1)
  }
}
