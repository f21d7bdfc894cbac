import SightlineLidar
import SightlinePipeline

/// What a live run did, built at its end from the stages' own counters.
public struct LiveSummary: Sendable, Codable {
  public var datagramsReceived = 0
  public var truncatedDatagrams = 0
  /// Datagrams the kernel dropped before we read them (SO_RXQ_OVFL); nil if not available.
  public var kernelDrops: Int?
  public var decodedPackets = 0
  /// Missing from the sensor's sequence (azimuth gaps): lost on the wire or by the kernel.
  public var packetsLost = 0
  public var packetsLate = 0
  public var packetsRejected = 0
  public var gnssFixes = 0
  public var sweepsPublished = 0
  /// Sweeps not turned into frames because the frame thread was still busy with older ones.
  /// (`sweeps` holds the latest 1000 to 2000 frames only.)
  public var sweepsDroppedFrameLoopBusy = 0
  /// Sweeps that arrived older than a frame already published without LiDAR, by up to a
  /// second (late): dropped so frame times never go back.
  public var sweepsOlderThanFrameWithoutLidar = 0
  /// Times the sensor's clock turned out far behind the frames without LiDAR before it (no
  /// sweep had come yet, or the sensor restarted): frames then follow the sensor's clock.
  public var lidarClockChanges = 0
  public var receiveBufferGrantedBytes = 0
  public var receiveBufferCapped = false
  public var v2x = V2XCounters()
  /// Decoded V2X messages dropped because the frame loop did not take them in time.
  public var v2xQueueOverflow = 0
  /// The ego source (`[ego] source`, "gnss", "localization" or "bsm"), the newest pose's age at
  /// the last frame (nil: none came), poses taken, and the localization messages counted.
  public var egoSource = "gnss"
  public var egoPoseAgeNanoseconds: Int64?
  public var egoPoses = 0
  public var egoPoseMessages = EgoPoseCounters()
  public var egoPoseQueueOverflow = 0
  /// Frames the recording left out because its thread was behind (they were published).
  public var recordingFramesDropped = 0
  /// Messages the Foxglove server dropped for clients that fell behind (their oldest), and
  /// frames its converter thread left out because it was behind.
  public var foxgloveMessagesDropped = 0
  public var foxgloveFramesDropped = 0
  public var sweeps: [SweepRecord] = []
  /// Resident memory at the end and at its peak, and glibc's heap (`ProcessMemory`).
  public var memory: MemorySnapshot?

  public init() {}

  /// The summary from the stages' own counters, at the end of the run.
  init(
    sockets: LidarSockets, lidar: IngestCounters, frames: FrameThread, mailbox: SweepMailbox,
    v2x: (thread: V2XThread, queue: V2XQueue)?
  ) {
    datagramsReceived = sockets.data.datagramsReceived
    truncatedDatagrams = sockets.data.truncatedDatagrams
    kernelDrops = sockets.data.kernelDrops()
    receiveBufferGrantedBytes = sockets.data.grantedReceiveBufferBytes / 2
    receiveBufferCapped = sockets.data.receiveBufferWasCapped
    decodedPackets = lidar.decodedPackets
    packetsLost = lidar.packetsMissing
    packetsLate = lidar.latePackets
    packetsRejected = lidar.dataPacketsRejected
    gnssFixes = lidar.gnssFixes
    sweeps = frames.records
    sweepsPublished = frames.framesPublished
    sweepsDroppedFrameLoopBusy = mailbox.dropped
    sweepsOlderThanFrameWithoutLidar = frames.lateSweeps
    lidarClockChanges = frames.lidarClockChanges
    recordingFramesDropped = frames.recordingFramesDropped
    foxgloveMessagesDropped = frames.foxgloveDrops.messages
    foxgloveFramesDropped = frames.foxgloveDrops.frames
    if let v2x {
      self.v2x = v2x.thread.counters
      v2xQueueOverflow = v2x.queue.overflowed
    }
    memory = ProcessMemory.snapshot()
  }
}
