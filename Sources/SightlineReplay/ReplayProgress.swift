import SightlinePcap

/// How far a replay (or a decode) has got through its capture: the time of the record read
/// last against the capture's first and last record times. Record (capture) times, not sensor
/// times: a sensor clock resolved from its GPRMC fixes need not match the capture's.
public struct ReplayProgress: Sendable, Equatable {
  /// The capture's first and last packet times, nanoseconds.
  public let first: Int64
  public let last: Int64

  /// Reads the capture's time range; nil when it cannot be read or holds no packets.
  public init?(capture path: String) {
    guard let range = try? PcapFile.timeRange(path: path) else { return nil }
    first = range.first
    last = range.last
  }

  /// The fraction of the capture done once its packets up to `captureTime` are read (0 to 1).
  public func fraction(captureTime: Int64) -> Double {
    Double(captureTime - first) / Double(max(1, last - first))
  }
}
