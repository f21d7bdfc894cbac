/// A live run's rules for frames with and without LiDAR, on the host timeline:
/// - a sweep older than a frame already published without LiDAR, by up to `lateLimit`, is late
///   (the ingest thread was held up past the time-out): it is dropped so frame times never go
///   back, and ends the frames without LiDAR;
/// - a sweep farther behind than that means the sensor's clock is not the one those frames
///   assumed (no sweep had come yet, or the sensor restarted): frames follow the sensor;
/// - when no sweep has come for the time-out, a frame without LiDAR is due, made at host time
///   moved onto the sensor clock (host time before the first sweep) so times stay monotonic.
struct LidarPresence {
  enum Verdict {
    case late
    case sensorClockChanged
    case onTime
  }

  /// When the last sweep arrived, and when the last frame was made.
  private(set) var lastSweepHost: Int64
  private(set) var lastFrameHost: Int64
  /// Sensor − host at the last sweep; nil before the first.
  private(set) var sensorMinusHost: Int64?

  init(now: Int64) {
    lastSweepHost = now
    lastFrameHost = now
  }

  /// How far behind the last frame a sweep may be and still be a late one.
  static func lateLimit(timeout: Int64) -> Int64 { max(1_000_000_000, 4 * timeout) }

  func judge(sweepEnd: Int64, lastFrameTime: Int64, timeout: Int64) -> Verdict {
    guard sweepEnd <= lastFrameTime else { return .onTime }
    if sensorMinusHost != nil && lastFrameTime - sweepEnd <= Self.lateLimit(timeout: timeout) {
      return .late
    }
    return .sensorClockChanged
  }

  /// A late sweep still shows the LiDAR alive: no frames without it for another time-out.
  mutating func lateSweepArrived(at host: Int64) {
    lastSweepHost = host
    lastFrameHost = host
  }

  mutating func sweepTaken(at host: Int64, sweepEnd: Int64) {
    lastSweepHost = host
    lastFrameHost = host
    sensorMinusHost = sweepEnd - host
  }

  /// How long to wait for the next sweep before looking again (at most 100 ms).
  func wait(now: Int64, timeout: Int64) -> Int64 {
    let wait = timeout > 0 ? max(1_000_000, lastFrameHost + timeout - now) : 100_000_000
    return min(wait, 100_000_000)
  }

  /// The sensor time and the silence of a frame without LiDAR, when one is due now.
  mutating func frameWithoutLidar(now: Int64, timeout: Int64) -> (
    time: Int64, silentNanoseconds: Int64
  )? {
    guard timeout > 0 && now - lastFrameHost >= timeout else { return nil }
    lastFrameHost = now
    return (now + (sensorMinusHost ?? 0), now - lastSweepHost)
  }
}
