import SightlinePcap
import SightlinePipeline
import SightlineSchema

/// What a replay did: its frames, the LiDAR and V2X counters, and how the input ended.
public struct ReplaySummary: Sendable {
  public var sweeps: [SweepRecord] = []
  public var counters = IngestCounters()
  public var v2x = V2XCounters()
  /// Set when the capture ended on an error (for example truncated mid-record); the frames
  /// before it were still published.
  public var inputError: PcapError?
  /// Over every published frame (`FrameDigest`), when asked for.
  public var digest: FrameDigest?
  /// `ReplayOptions.shouldStop` ended the replay before the capture did.
  public var stoppedEarly = false
  /// Payloads that were not decoded but look like another vendor's packets, and what that
  /// vendor needs (`LidarIngest.otherVendorHint`).
  public var lidarHint: String?
  /// The LiDAR stream's drops by reason (`LidarStream.drops`: "velodyne.…", "ouster.…").
  public var lidarDrops: [LidarDrop] = []
  /// Per sensor of the rig: packets, points, status.
  public var sensors: [SensorReport] = []
  /// The ego source, and the newest pose's age at the last frame.
  public var ego = EgoStatus()
}

/// Payloads a LiDAR stream did not decode, and why.
public struct LidarDrop: Sendable, Equatable, Codable {
  public var reason: String
  public var count: Int
}
