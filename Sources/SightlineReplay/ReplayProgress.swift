import SightlinePcap
import SightlinePipeline

/// How far a replay has got through its capture: each frame's last packet time against the
/// capture's first and last packet times.
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

  /// The fraction of the capture done once `record`'s frame is out (0 to 1).
  public func fraction(_ record: SweepRecord) -> Double {
    Double(record.lastPacketTimeNanoseconds - first) / Double(max(1, last - first))
  }
}
