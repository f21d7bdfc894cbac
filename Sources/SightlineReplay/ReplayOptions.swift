import SightlineFoxglove
import SightlinePipeline
import SightlinePublish

/// What a replay reads and how: the capture, the V2X log, pacing, recording, the digest.
public struct ReplayOptions: Sendable {
  public var lidarPath: String
  /// A V2X log (docs/V2X-LOG.md) merged with the LiDAR capture on one virtual clock.
  public var v2xPath: String?
  public var config: SightlineConfig
  public var pacing: Pacing = .virtual
  /// Wait for this many subscribers before the first frame, so that none is missed.
  public var waitForSubscribers = 0
  public var subscriberTimeoutSeconds: Double = 10
  /// Record every frame to this MCAP file (FrameRecorder).
  public var recordPath: String?
  /// Serve the frames to Foxglove (ws-protocol v1) on this address (FoxgloveSink).
  public var foxglove: FoxgloveAddress?
  /// Take the ego pose from the capture's GPRMC fixes (the hour reference uses them anyway).
  public var egoFromGNSS = true
  /// Hash every published frame (`ReplaySummary.digest`).
  public var digest = false
  /// Take the ego pose from this ground-truth file instead (synthetic drives).
  public var egoTruthPath: String?
  /// Take the ego pose from these recorded localization poses instead (EgoPoseFeed).
  public var egoPoseLogPath: String?
  /// Asked between records: true ends the replay there as if the capture had ended (the
  /// partial sweep flushed, end-of-stream sent, the recording finished). The CLI ties it to
  /// SIGINT and SIGTERM.
  public var shouldStop: @Sendable () -> Bool = { false }
  /// Where the replay says what it opened (the Foxglove listener's address).
  public var log: @Sendable (String) -> Void = { _ in }

  public init(lidarPath: String, config: SightlineConfig) {
    self.lidarPath = lidarPath
    self.config = config
  }
}
