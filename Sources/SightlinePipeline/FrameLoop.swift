import SightlineLidar
import SightlineSchema
import SightlineTimeline
import SightlineVelodyne

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The frame stage shared by replay and live runs: sweep → grid → encoded frame → sinks. Owned
/// by one thread. V2X observations and GNSS fixes come in through `observe`, whoever reads them.
public final class FrameLoop {
  package var framer: SweepToFrame
  /// Where frames go, in this order (the publisher first, so recording never delays it).
  public private(set) var sinks: [any FrameSink]
  /// Ego pose and V2X agent tracks.
  public internal(set) var timeline = TimelineStage()
  /// Over every frame published so far, when asked for (set it to `FrameDigest()`).
  public var digest: FrameDigest?
  /// The V2X senders' clocks against the receiving host's: the lower envelope of receive time
  /// against generation time (secMark) over every sender's messages, so the estimate is the
  /// most advanced sender clock less the fastest delivery. Samples within 100 ms merge into
  /// one, keeping the fastest: under a flood, the fit is redone when a bucket's minimum
  /// improves, not once a message.
  public private(set) var senderClock = ClockAlignment(bucketNanoseconds: 100_000_000)
  private var lastStats: Int64 = .min
  /// Sweeps motion-compensated with the ego trajectory.
  public private(set) var deskewedSweeps = 0
  /// One record per published frame; with `recordLimit`, only the most recent ones (a live run
  /// must not grow without bound).
  public private(set) var records: [SweepRecord] = []
  public var recordLimit: Int?
  public private(set) var framesProcessed = 0
  /// Frames the sinks have been given.
  public private(set) var framesPublished: UInt64 = 0
  private var contradictions: ContradictionJudge
  private var emptySweep = Sweep()
  let live: Bool
  /// Every sensor's health and blockage, from the segments of the sweeps.
  public private(set) var sensors: SensorMonitor
  /// The GNSS antenna in the vehicle frame when the ego comes from GNSS fixes: they are its
  /// position, not the vehicle's origin (zero for a localization pose or ground truth, which
  /// are the vehicle's own).
  public var antenna: SIMD2<Double>

  public init(config: SightlineConfig, live: Bool, sinks: [any FrameSink]) {
    self.live = live
    self.sinks = sinks
    framer = SweepToFrame(
      config: config.grid, budget: FrameBudget(config: config.frame, live: live),
      maximumRangeMeters: config.lidar.maxRangeMeters, compression: config.publish.compression)
    var limits = PlausibilityCheck.Limits()
    limits.quarantineNanoseconds = Int64(config.v2x.quarantineSeconds * 1e9)
    timeline = TimelineStage(plausibilityLimits: limits)
    timeline.checksPlausibility = config.v2x.plausibility
    timeline.select(EgoSelection(config.ego))
    contradictions = ContradictionJudge(
      frames: config.v2x.plausibility ? config.v2x.lidarContradictionFrames : 0)
    sensors = SensorMonitor(config: config)
    antenna =
      config.ego.source == .gnss
      ? SIMD2(config.vehicle.gnssAntenna.x, config.vehicle.gnssAntenna.y) : .zero
  }

  /// The one entry for V2X: an admitted message joins its sender's track, and its age feeds
  /// the estimate of the senders' clocks.
  public func observe(_ observation: V2XObservation) {
    if let age = observation.ageMilliseconds {
      let received = observation.receiveTimeNanoseconds
      _ = senderClock.add(
        sensorTimeNanoseconds: received &- age &* 1_000_000, receiveTimeNanoseconds: received)
    }
    timeline.observe(observation)
  }

  /// A GNSS fix of the ego (the sensor's GPRMC, or a drive's ground truth).
  public func observe(_ fix: GNSSFix) { timeline.observe(fix) }

  /// The run's counters, as the frames and stats carry them.
  public var counters: RunCounters {
    get { framer.counters }
    _modify { yield &framer.counters }
  }

  /// The last frame built.
  public var frame: GridFrame { framer.frame }

  /// Stamps `publish_time_ns` under a wall budget (live runs: their `HostClock`).
  public var hostTime: @Sendable () -> Int64 {
    get { framer.hostTime }
    set { framer.hostTime = newValue }
  }

  /// Wall time of the last frame (decode and publishing included), whatever the budget mode.
  public var lastProcessingNanoseconds: Int64 { framer.lastProcessingNanoseconds }

  /// Builds the frame of `sweep` and hands it to the sinks. `clock` is the virtual (replay) or
  /// host (live) time the frame is made at.
  @discardableResult
  public func process(
    _ sweep: inout Sweep, decodeNanoseconds: Int64, clock: Int64,
    lidarSilentNanoseconds: Int64? = nil
  ) throws -> SweepRecord {
    let started = MonotonicClock.nanoseconds()
    sensors.observe(&sweep)
    deskew(&sweep)
    let frame = build(
      sweep, decodeNanoseconds: decodeNanoseconds, clock: clock, startedAt: started,
      lidarSilentNanoseconds: lidarSilentNanoseconds)
    if lidarSilentNanoseconds == nil {
      contradictions.judge(timeline.agents, statuses: framer.statuses) { id in
        timeline.quarantineForLidarContradiction(id: id, at: sweep.endNanoseconds)
      }
    }
    let publishing = MonotonicClock.nanoseconds()
    try output(frame, clock: clock)
    framer.addOutputTime(MonotonicClock.nanoseconds() - publishing)
    return keepRecord(
      SweepRecord(frame, sweep: sweep, processingNanoseconds: framer.lastProcessingNanoseconds))
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

  /// De-skews into the sensor frame at the sweep's end when the ego's motion is known.
  private func deskew(_ sweep: inout Sweep) {
    guard let start = egoState(at: sweep.startNanoseconds),
      let end = egoState(at: sweep.endNanoseconds)
    else { return }
    Deskew.apply(
      &sweep.points, from: Self.pose(start), to: Self.pose(end), reference: Self.pose(end))
    deskewedSweeps += 1
  }

  /// The ego and the agents at the sweep's own time (the sensor's GNSS-disciplined clock, like
  /// secMark), then the grid frame.
  private func build(
    _ sweep: borrowing Sweep, decodeNanoseconds: Int64, clock: Int64, startedAt: Int64,
    lidarSilentNanoseconds: Int64?
  ) -> GridFrame {
    let ego = egoState(at: sweep.endNanoseconds)
    timeline.extrapolateAgents(to: sweep.endNanoseconds)
    sensors.write(into: &framer.sensors, at: sweep.endNanoseconds)
    framer.quarantinedSenders = UInt32(
      clamping: timeline.plausibility.quarantinedSenders(at: sweep.endNanoseconds))
    if lidarSilentNanoseconds != nil { framer.counters.framesWithoutLidar += 1 }
    return framer.process(
      sweep, decodeNanoseconds: decodeNanoseconds, ego: ego, agents: timeline.agents, clock: clock,
      plane: timeline.plane, startedAt: startedAt, lidarSilentNanoseconds: lidarSilentNanoseconds)
  }

  /// The vehicle's origin at `time`: the ego track is the GNSS antenna's, so the antenna's
  /// lever arm is taken off along the heading.
  func egoState(at time: Int64) -> EgoState? {
    guard var state = timeline.ego.state(at: time) else { return nil }
    if antenna != .zero {
      let (c, s) = (cos(state.yaw), sin(state.yaw))
      state.position.east -= c * antenna.x - s * antenna.y
      state.position.north -= s * antenna.x + c * antenna.y
    }
    return state
  }

  /// Each sensor as reports show it: the frame side's health with the ingest's refusals.
  public func sensorReports(of rig: LidarRig) -> [SensorReport] {
    let counts = rig.sensorCounts
    let refusals = rig.refusals
    return sensors.health.enumerated().map { index, health in
      let blocked = sensors.blockage[index]
      let time = lastReferenceTime
      return SensorReport(
        name: health.name, packets: counts[index].packets, points: counts[index].points,
        sweeps: health.sweeps,
        pointsInFrames: health.pointsInFrames,
        status: health.status(at: time, blocked: blocked.blockedSectors != 0).name,
        blockedSectors: (0..<blocked.sectors).filter {
          blocked.blockedSectors >> UInt64($0) & 1 == 1
        },
        sweepsClockOff: refusals[index].sweepsClockOff,
        packetsIgnored: refusals[index].packetsIgnored)
    }
  }

  /// The frame to every sink, then the stats about once a second of the run's own clock (the
  /// replay's, so replays repeat exactly).
  private func output(_ frame: GridFrame, clock: Int64) throws {
    for sink in sinks {
      try sink.take(frame: frame, grid: framer.message, agents: framer.agentsMessage)
    }
    framesPublished += 1
    digest?.add(framer.message)
    digest?.add(framer.agentsMessage)
    if lastStats == .min || clock - lastStats >= 1_000_000_000 {
      try publishStats(endOfStream: false, inputError: false, clock: clock)
      lastStats = clock
    }
  }

  private func keepRecord(_ record: SweepRecord) -> SweepRecord {
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
  public var lastReferenceTime: Int64 {
    framesProcessed == 0 ? .min : framer.frame.referenceTimeNanoseconds
  }

  /// Sends the run's counters on `stats` (rarely, so it may allocate).
  func publishStats(endOfStream: Bool, inputError: Bool, clock: Int64) throws {
    var stats = StatsMessage()
    stats.framesPublished = framesPublished
    stats.endOfStream = endOfStream
    stats.inputError = inputError
    stats.counters = framer.counters
    stats.sensors = framer.frame.sensors
    for index in stats.sensors.indices { stats.sensors[index].pointsInFrame = 0 }
    stats.ego = egoStatus
    stats.publishTimeNanoseconds =
      framer.frame.flags.contains(.deterministic) ? clock : framer.hostTime()
    let message = stats.encode()
    for sink in sinks { try sink.take(stats: message) }
  }

  /// The last `stats` message: nothing more follows. Finishes the sinks too (the recording).
  public func publishEndOfStream(inputError: Bool, clock: Int64) throws {
    try publishStats(endOfStream: true, inputError: inputError, clock: clock)
    for sink in sinks { try sink.finish() }
  }

  /// Closes the sinks (a recording the end of stream did not finish is finished here).
  public func close(discardPending: Bool = false) {
    for sink in sinks { sink.close(discardPending: discardPending) }
  }

  static func pose(_ state: EgoState) -> PlanarPose {
    PlanarPose(
      timeNanoseconds: state.timeNanoseconds, x: state.position.east, y: state.position.north,
      yaw: state.yaw)
  }
}
