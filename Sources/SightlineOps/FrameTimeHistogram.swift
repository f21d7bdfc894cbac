// SightlineOps: frame times in an HdrHistogram (microseconds, 1 µs … 10 s, 3 significant digits)
// behind a lock, for exact-enough p50/p90/p99/p99.9/max. Kept in its own file because the
// `Histogram` module and type clash with Prometheus' `Histogram`.

import Histogram
import Synchronization

/// Frame-time quantiles in seconds, over every frame recorded since start (or the last reset).
public struct FrameTimeQuantiles: Sendable, Equatable {
  /// Frames recorded.
  public var count: UInt64
  public var p50: Double
  public var p90: Double
  public var p99: Double
  public var p999: Double
  /// The largest frame time recorded (exact, not rounded to a bucket).
  public var max: Double

  public init(
    count: UInt64 = 0, p50: Double = 0, p90: Double = 0, p99: Double = 0, p999: Double = 0,
    max: Double = 0
  ) {
    self.count = count
    self.p50 = p50
    self.p90 = p90
    self.p99 = p99
    self.p999 = p999
    self.max = max
  }
}

/// The histogram lives inside the mutex and is only touched in place: a copy would share its
/// counts array, and the next record would then copy it (an allocation on the frame thread).
final class FrameTimeHistogram: Sendable {
  static let highestMicroseconds: UInt64 = 10_000_000

  private let histogram = Mutex(
    Histogram<UInt64>(
      lowestDiscernibleValue: 1, highestTrackableValue: FrameTimeHistogram.highestMicroseconds,
      numberOfSignificantValueDigits: .three))

  /// Records one frame time. A fixed-range histogram never resizes, so this does not allocate;
  /// times past 10 s are clamped (recorded as 10 s) rather than lost.
  func record(seconds: Double) {
    guard !seconds.isNaN else { return }
    let microseconds = (seconds * 1_000_000).rounded()
    let value: UInt64 =
      microseconds <= 0
      ? 0
      : microseconds >= Double(Self.highestMicroseconds)
        ? Self.highestMicroseconds : UInt64(microseconds)
    histogram.withLock { _ = $0.record(value) }
  }

  /// Computed under the lock (a scan of at most ~15k counts), never on a copy.
  func quantiles() -> FrameTimeQuantiles {
    histogram.withLock { histogram in
      guard histogram.totalCount > 0 else { return FrameTimeQuantiles() }
      func seconds(_ microseconds: UInt64) -> Double { Double(microseconds) / 1_000_000 }
      return FrameTimeQuantiles(
        count: histogram.totalCount,
        p50: seconds(histogram.valueAtPercentile(50)),
        p90: seconds(histogram.valueAtPercentile(90)),
        p99: seconds(histogram.valueAtPercentile(99)),
        p999: seconds(histogram.valueAtPercentile(99.9)),
        max: seconds(histogram.maxRecorded))
    }
  }

  func reset() {
    histogram.withLock { $0.reset() }
  }
}
