import SightlineCalibration
import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlineSchema
import SightlineTimeline
import SightlineZMQ

/// How fast a replay feeds the pipeline.
public enum Pacing: String, Sendable, CaseIterable {
  /// As fast as possible; time comes from the capture, never from the host clock.
  case virtual
  /// At the speed the packets were captured.
  case realtime
}

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
  /// Take the ego pose from the capture's GPRMC fixes (the hour reference uses them anyway).
  public var egoFromGNSS = true
  /// Hash every published frame (`ReplaySummary.digest`).
  public var digest = false
  /// Take the ego pose from this ground-truth file instead (synthetic drives).
  public var egoTruthPath: String?

  public init(lidarPath: String, config: SightlineConfig) {
    self.lidarPath = lidarPath
    self.config = config
  }
}

/// One published frame, as the replay saw it.
public struct SweepRecord: Sendable, Equatable, Codable {
  public var sequence: UInt64
  public var sensorTimeNanoseconds: Int64
  /// Timestamp of the sweep's last packet (velodyne-decoder stamps scans with it).
  public var lastPacketTimeNanoseconds: Int64
  public var points: Int
  public var pointsUsed: Int
  public var packets: Int
  public var packetsMissing: Int
  public var complete: Bool
  public var coverageDegrees: Double
  public var occupiedCells: Int
  public var freeCells: Int
  public var unknownCells: Int
  public var processingNanoseconds: Int
  /// V2X agents live at the frame's time (tracks younger than their maximum age).
  public var v2xAgents: Int
  /// The budget's verdict: 0 none … 4 LiDAR skipped (GridFrame.degradation), points skipped.
  public var degradation: Int
  public var pointsSkipped: Int
  public var agentsConfirmed: Int
  public var agentsOccluded: Int
  public var agentsContradicted: Int
  public var workUnits: Int
}

public struct ReplaySummary: Sendable {
  public var sweeps: [SweepRecord] = []
  public var counters = IngestCounters()
  public var v2x = V2XCounters()
  /// Set when the capture ended on an error (for example truncated mid-record); the frames
  /// before it were still published.
  public var inputError: PcapError?
  /// Over every published frame (`FrameDigest`), when asked for.
  public var digest: FrameDigest?
}

/// Replays a capture through the whole pipeline: pcap → UDP → decode → sweeps → grid → ZeroMQ.
/// Single-threaded: the frame loop owns every stage (docs/ARCHITECTURE.md).
public struct Replay {
  public let options: ReplayOptions

  public init(options: ReplayOptions) { self.options = options }

  /// The LiDAR ingest that a config describes. Loads the calibration file when one is named.
  public static func makeIngest(config: SightlineConfig) throws -> LidarIngest {
    let lidar = config.lidar
    var calibration: LaserTable?
    if let path = lidar.calibrationPath, let model = lidar.model {
      calibration = try VelodyneCalibration.load(path: path, model: model)
    }
    let decoder = VelodyneDecoder(
      modelOverride: lidar.model, calibration: calibration,
      range: RangeLimits(minimum: Float(lidar.minRangeMeters), maximum: Float(lidar.maxRangeMeters))
    )
    let assembler = SweepAssembler(
      cutAzimuthCentidegrees: Int((lidar.cutAngleDegrees * 100).rounded()))
    return LidarIngest(decoder: decoder, assembler: assembler)
  }

  /// Runs to the end of the capture. `onFrame` sees every frame after it is published.
  /// `onFrameData`, when given, sees each published frame (grid, agents and counters).
  public func run(
    context: ZMQContext, onFrame: (SweepRecord) -> Void = { _ in },
    onFrameData: ((GridFrame) throws -> Void)? = nil
  ) throws -> ReplaySummary {
    let capture = try PcapFile(path: options.lidarPath, filter: options.config.lidar.captureFilter)
    guard let linkType = LinkType(rawValue: capture.linkType) else {
      throw PcapError(
        kind: .unsupportedLinkType(capture.linkType), path: options.lidarPath,
        message: "supported: Ethernet, raw IP, Linux cooked (SLL, SLL2)")
    }
    var ingest = try Self.makeIngest(config: options.config)
    let frames = try FrameLoop(context: context, config: options.config, live: false)
    if let path = options.recordPath { frames.recorder = try FrameRecorder(path: path) }
    if options.digest { frames.digest = FrameDigest() }
    if options.egoFromGNSS { ingest.onFix = { frames.timeline.observe($0) } }
    defer { frames.close() }
    if options.waitForSubscribers > 0 {
      try frames.publisher.waitForSubscribers(
        options.waitForSubscribers, timeoutSeconds: options.subscriberTimeoutSeconds)
    }

    var summary = ReplaySummary()
    var pacer = Pacer(pacing: options.pacing)
    // One virtual clock: each V2X entry is fed once the capture reaches its receive time.
    let v2xLog = try options.v2xPath.map { try V2XLog.read(path: $0) } ?? []
    var v2xNext = 0
    var v2x = V2XIngest(staleAfterMilliseconds: Int64(options.config.v2x.staleAfterMilliseconds))
    defer { v2x.release() }
    var clock: Int64 = .min
    let egoFixes = try options.egoTruthPath.map { try TruthFile.read(path: $0).egoFixes() } ?? []
    var egoNext = 0
    func feedV2X(through time: Int64) {
      while egoNext < egoFixes.count, egoFixes[egoNext].utcNanoseconds <= time {
        frames.timeline.observe(egoFixes[egoNext])
        egoNext += 1
      }
      while v2xNext < v2xLog.count, v2xLog[v2xNext].t_ns <= time {
        let entry = v2xLog[v2xNext]
        v2xNext += 1
        guard let payload = entry.payload else { continue }
        // Receive times are host times; the LiDAR's GNSS clock tells how far the host is off,
        // which puts the message's receive time on the GNSS timeline of secMark.
        let hostAhead = ingest.clock.estimate?.offsetNanoseconds ?? 0
        let observation = payload.withUnsafeBytes {
          v2x.ingest($0, format: entry.format, receiveTimeNanoseconds: entry.t_ns - hostAhead)
        }
        if let observation { frames.timeline.observe(observation) }
      }
    }
    var lidarTotals = LidarTotals()
    ingest.onTotals = { lidarTotals = $0 }
    func emit(_ sweep: inout Sweep, _ decodeNanoseconds: Int64) throws {
      frames.framer.counters.update(
        lidar: lidarTotals, v2x: v2x.counters, timeline: frames.timeline)
      onFrame(try frames.process(&sweep, decodeNanoseconds: decodeNanoseconds, clock: clock))
      try onFrameData?(frames.framer.frame)
    }
    do {
      while try capture.next({ record in
        pacer.wait(untilCaptureTime: record.timestampNanoseconds)
        clock = record.timestampNanoseconds
        feedV2X(through: clock)
        try ingest.ingest(
          frame: record.bytes, linkType: linkType, captureTime: record.timestampNanoseconds,
          onSweep: emit)
      }) {}
    } catch let error as PcapError {
      summary.inputError = error
    }
    try ingest.flush(onSweep: emit)
    feedV2X(through: .max)
    summary.v2x = v2x.counters
    summary.sweeps = frames.records
    summary.digest = frames.digest
    summary.counters = ingest.counters
    frames.framer.counters.update(
      lidar: ingest.counters.totals, v2x: v2x.counters, timeline: frames.timeline)
    try frames.publishEndOfStream(inputError: summary.inputError != nil, clock: clock)
    return summary
  }
}

/// The frame stage shared by replay and live runs: sweep → grid → encoded frame → publisher.
/// Owned by one thread, which also owns the publisher's socket.
public final class FrameLoop {
  var framer: SweepToFrame
  public let publisher: FramePublisher
  /// Ego pose and V2X agent tracks (fed by the replay's merge or the live queues).
  public var timeline = TimelineStage()
  /// Writes every frame to an MCAP file when recording.
  public var recorder: FrameRecorder?
  /// Over every frame published so far, when asked for (set it to `FrameDigest()`).
  public var digest: FrameDigest?
  private var lastStats: Int64 = .min
  /// Sweeps motion-compensated with the ego trajectory.
  public private(set) var deskewedSweeps = 0

  static func pose(_ state: EgoState) -> PlanarPose {
    PlanarPose(
      timeNanoseconds: state.timeNanoseconds, x: state.position.east, y: state.position.north,
      yaw: state.yaw)
  }
  /// One record per published frame; with `recordLimit`, only the most recent ones (a live run
  /// must not grow without bound).
  public private(set) var records: [SweepRecord] = []
  public var recordLimit: Int?
  public private(set) var framesProcessed = 0
  /// Quarantine a sender after this many frames in a row whose LiDAR contradicts it; 0: off.
  let contradictionFrames: Int
  private var contradictionStreaks: [UInt32: Int] = [:]

  let live: Bool

  /// CURVE for the publisher (made from config unless the run shares its own).
  let security: SocketSecurity?

  public init(
    context: ZMQContext, config: SightlineConfig, live: Bool, security: SocketSecurity? = nil
  ) throws {
    self.live = live
    self.security = try security ?? SocketSecurity.make(config: config, context: context)
    framer = SweepToFrame(
      config: config.grid, budget: FrameBudget(config: config.frame, live: live),
      maximumRangeMeters: config.lidar.maxRangeMeters, compression: config.publish.compression)
    var limits = PlausibilityCheck.Limits()
    limits.quarantineNanoseconds = Int64(config.v2x.quarantineSeconds * 1e9)
    timeline = TimelineStage(plausibilityLimits: limits)
    timeline.checksPlausibility = config.v2x.plausibility
    contradictionFrames = config.v2x.plausibility ? config.v2x.lidarContradictionFrames : 0
    contradictionStreaks.reserveCapacity(256)
    publisher = try FramePublisher(
      context: context, endpoint: config.publish.endpoint,
      sendHighWaterMark: config.publish.sendHighWaterMark, security: self.security)
  }

  @discardableResult
  /// `clock` is the virtual (replay) or host (live) time the frame is made at.
  public func process(
    _ sweep: inout Sweep, decodeNanoseconds: Int64, clock: Int64,
    lidarSilentNanoseconds: Int64? = nil
  ) throws -> SweepRecord {
    let started = MonotonicClock.nanoseconds()
    // De-skew into the sensor frame at the sweep's end when the ego's motion is known.
    if let start = timeline.ego.state(at: sweep.startNanoseconds),
      let end = timeline.ego.state(at: sweep.endNanoseconds)
    {
      Deskew.apply(
        &sweep.points, from: Self.pose(start), to: Self.pose(end), reference: Self.pose(end))
      deskewedSweeps += 1
    }
    // The ego and the agents at the sweep's own time (the sensor's GNSS-disciplined clock,
    // like secMark).
    let ego = timeline.ego.state(at: sweep.endNanoseconds)
    timeline.extrapolateAgents(to: sweep.endNanoseconds)
    framer.quarantinedSenders = UInt32(
      clamping: timeline.plausibility.quarantinedSenders(at: sweep.endNanoseconds))
    if lidarSilentNanoseconds != nil { framer.counters.framesWithoutLidar += 1 }
    let frame = framer.process(
      sweep, decodeNanoseconds: decodeNanoseconds, ego: ego, agents: timeline.agents, clock: clock,
      plane: timeline.plane, startedAt: started, lidarSilentNanoseconds: lidarSilentNanoseconds)
    if contradictionFrames > 0 && lidarSilentNanoseconds == nil {
      judgeContradictions(at: sweep.endNanoseconds)
    }
    let publishing = MonotonicClock.nanoseconds()
    try publisher.publish(framer.message)
    try publisher.publishSide(framer.agentsMessage)
    digest?.add(framer.message)
    digest?.add(framer.agentsMessage)
    if let recorder { try recorder.record(frame, message: framer.message) }
    // About once a second of the run's own clock (the replay's, so replays repeat exactly).
    if lastStats == .min || clock - lastStats >= 1_000_000_000 {
      try publishStats(endOfStream: false, inputError: false, clock: clock)
      lastStats = clock
    }
    framer.addOutputTime(MonotonicClock.nanoseconds() - publishing)
    let record = SweepRecord(
      sequence: frame.sequence, sensorTimeNanoseconds: frame.sensorTimeNanoseconds,
      lastPacketTimeNanoseconds: sweep.endNanoseconds,
      points: sweep.points.count, pointsUsed: Int(frame.pointsUsed), packets: sweep.packetCount,
      packetsMissing: sweep.packetsMissing,
      complete: sweep.isComplete, coverageDegrees: sweep.coverageDegrees,
      occupiedCells: Int(frame.occupiedCells), freeCells: Int(frame.freeCells),
      unknownCells: Int(frame.unknownCells),
      processingNanoseconds: Int(framer.lastProcessingNanoseconds),
      v2xAgents: frame.agents.count, degradation: Int(frame.degradation),
      pointsSkipped: Int(frame.pointsSkipped),
      agentsConfirmed: Int(frame.agentsConfirmed), agentsOccluded: Int(frame.agentsOccluded),
      agentsContradicted: Int(frame.agentsContradicted), workUnits: Int(frame.workUnits))
    framesProcessed += 1
    if let limit = recordLimit, records.count >= 2 * limit {
      records.removeFirst(records.count - limit)  // amortised: once per `limit` frames
    }
    records.append(record)
    return record
  }

  /// A reloaded config's settings that may change while running (see
  /// `SightlineConfig.changedFixedSections`).
  public func apply(_ config: SightlineConfig) {
    framer.apply(
      budget: FrameBudget(config: config.frame, live: live), decaySeconds: config.grid.decaySeconds)
  }

  /// The reference time of the last frame published (.min before the first).
  var lastReferenceTime: Int64 {
    framesProcessed == 0 ? .min : framer.frame.referenceTimeNanoseconds
  }

  /// The frame with no LiDAR: made at `time` (the sensor clock), V2X agents and decay only.
  @discardableResult
  public func processWithoutLidar(at time: Int64, silentNanoseconds: Int64, clock: Int64)
    throws -> SweepRecord
  {
    emptySweep.startNanoseconds = time
    emptySweep.endNanoseconds = time
    return try process(
      &emptySweep, decodeNanoseconds: 0, clock: clock,
      lidarSilentNanoseconds: max(1, silentNanoseconds))
  }
  private var emptySweep = Sweep()

  /// Counts, per sender, the frames in a row whose LiDAR saw its painted position free, and
  /// quarantines it at `contradictionFrames`.
  private func judgeContradictions(at time: Int64) {
    let agents = timeline.agents
    let statuses = framer.statuses
    for (index, agent) in agents.enumerated() where index < statuses.count {
      if statuses[index] == .contradicted {
        let streak = (contradictionStreaks[agent.id] ?? 0) + 1
        contradictionStreaks[agent.id] = streak
        if streak >= contradictionFrames {
          contradictionStreaks[agent.id] = nil
          timeline.quarantineForLidarContradiction(id: agent.id, at: time)
        }
      } else if contradictionStreaks[agent.id] != nil {
        contradictionStreaks[agent.id] = nil
      }
    }
    if contradictionStreaks.count > 4096 { contradictionStreaks.removeAll(keepingCapacity: true) }
  }

  /// Sends the run's counters on `stats` (rarely, so it may allocate).
  func publishStats(endOfStream: Bool, inputError: Bool, clock: Int64) throws {
    var stats = StatsMessage()
    stats.framesPublished = publisher.framesPublished
    stats.endOfStream = endOfStream
    stats.inputError = inputError
    stats.counters = framer.counters
    stats.publishTimeNanoseconds =
      framer.frame.flags.contains(.deterministic) ? clock : framer.hostTime()
    try publisher.publishSide(stats.encode())
  }

  /// The last `stats` message: nothing more follows. Finishes the recording too.
  public func publishEndOfStream(inputError: Bool, clock: Int64) throws {
    try publishStats(endOfStream: true, inputError: inputError, clock: clock)
    try recorder?.finish()
  }

  /// Closes the socket, and finishes the recording if the end of stream did not.
  public func close(discardPending: Bool = false) {
    try? recorder?.finish()
    publisher.close(discardPending: discardPending)
  }
}

/// Sleeps so that records are processed at capture speed, when asked to.
struct Pacer {
  let pacing: Pacing
  var firstCapture: Int64? = nil
  var firstWall: Int64 = 0

  init(pacing: Pacing) { self.pacing = pacing }

  mutating func wait(untilCaptureTime captureTime: Int64) {
    guard pacing == .realtime else { return }
    guard let firstCapture else {
      self.firstCapture = captureTime
      firstWall = MonotonicClock.nanoseconds()
      return
    }
    let due = firstWall + (captureTime - firstCapture)
    let now = MonotonicClock.nanoseconds()
    if due > now { sleepNanoseconds(due - now) }
  }
}
