/// What only a live run counts, kept by its frame thread: sweeps its threads could not take, the
/// V2X queue's overflow, refused handshakes, the clocks it followed, config reloads.
public struct LiveCounters: Sendable, Equatable {
  /// Sweeps the frame thread could not take in time.
  public var sweepsDropped = 0
  /// Sweeps that arrived older than a frame already published without LiDAR.
  public var sweepsAfterSilentFrame = 0
  /// Times the sensor's clock turned out far behind the frames without LiDAR before it.
  public var lidarClockChanges = 0
  public var v2xQueueOverflow = 0
  /// Localization poses dropped because the frame loop did not take them in time.
  public var egoPoseQueueOverflow = 0
  /// CURVE handshakes refused.
  public var authDenied = 0
  /// Steps of the host's system clock, which the run's own timeline does not follow.
  public var hostClockSteps = 0
  public var hostClockStepTotalNanoseconds: Int64 = 0
  /// Frames the recording dropped because its thread was behind (the frames went out).
  public var recordingFramesDropped = 0
  /// Messages the Foxglove server dropped for clients behind (their oldest), and frames its
  /// converter thread left out because it was behind.
  public var foxgloveMessagesDropped = 0
  public var foxgloveFramesDropped = 0
  public var configReloads = 0
  public var configReloadsRejected = 0

  public init() {}
}
