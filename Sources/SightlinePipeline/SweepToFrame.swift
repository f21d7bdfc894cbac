import SightlineGrid
import SightlineLidar
import SightlineSchema
import SightlineTimeline

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Turns each finished sweep into a grid frame, in the budget's fixed order: scroll with the
/// ego, decay and V2X agents first, then LiDAR endpoints, then free space near to far, then the
/// output. Owns the grid, the LiDAR updater, the V2X layer and the reusable message buffers:
/// after the first frame nothing here allocates.
public struct SweepToFrame {
  public private(set) var grid: OccupancyGrid
  public private(set) var v2x: V2XLayer
  public let band: HeightBand
  private(set) var config: SightlineConfig.Grid
  private(set) var budget: FrameBudget
  let maximumRange: Float
  public private(set) var frame = GridFrame()
  /// The encoded `grid` and `agents` messages of the last frame, topic prefixes included;
  /// reused between frames.
  public private(set) var message: [UInt8] = []
  public private(set) var agentsMessage: [UInt8] = []
  /// The run's counters as of this frame: whoever feeds the sweeps keeps them current. They
  /// live in the frame itself, so updating them never copies their storage.
  public var counters: RunCounters {
    get { frame.counters }
    _modify { yield &frame.counters }
  }
  /// Every sensor's state, for the next frame (`SensorMonitor.write`).
  public var sensors: [FrameSensor] {
    get { frame.sensors }
    _modify { yield &frame.sensors }
  }
  /// V2X senders in quarantine, for the next frame's agent summary.
  public var quarantinedSenders: UInt32 {
    get { frame.quarantinedSenders }
    set { frame.quarantinedSenders = newValue }
  }
  /// Per agent of the last frame, in the order given: its consistency with LiDAR.
  public private(set) var statuses: [AgentConsistency] = []
  public private(set) var lastReport = LidarUpdateReport()
  /// Frames whose grid was cleared because the ego jumped.
  public private(set) var gridResets = 0
  /// Agents beyond `maxAgents` in some frame, not painted.
  public private(set) var agentsNotPainted = 0
  /// The last frame's decay and agent cells (the LiDAR stage's counts are in `lastReport`).
  public private(set) var lastDecayCells = 0
  public private(set) var lastAgentCells = 0
  private var lidar: LidarUpdater
  /// Each sensor's points and origin this frame (`setRaySources`), reused.
  private var raySources: [RaySource] = []
  private var nextSequence: UInt64 = 0
  private var lastEgo: (x: Double, y: Double)?
  private var lastYaw: Double = 0
  private var ground: SlopedGround?
  /// The V2X layer's output buffer while the frame carries none.
  private var v2xStorage: [Int8] = []
  private var floor: ObstacleFloor
  /// Scratch for painting nearest first: agent indices and their distances to the ego.
  private var order: [Int] = []
  private var distances: [Double] = []
  /// Recent output-stage times (wall budget): the deadline for the grid leaves room for them.
  private var outputTimes = [Int64](repeating: 0, count: 16)
  private var outputTimeSlot = 0

  /// Compresses the layers when `publish.compression` is zlib.
  let deflater: ZlibDeflater?
  /// Stamps `publish_time_ns` under a wall budget: live runs use their `HostClock`, so the
  /// stamp stays on the timeline of the receive stamps when the system clock steps.
  public var hostTime: @Sendable () -> Int64 = WallClock.nanoseconds

  /// Wall time of the last frame (decode included), whatever the budget mode.
  public private(set) var lastProcessingNanoseconds: Int64 = 0

  public init(
    config: SightlineConfig.Grid, budget: FrameBudget, maximumRangeMeters: Double = 200,
    compression: SightlineConfig.Publish.Compression = .none
  ) {
    deflater = compression == .zlib ? ZlibDeflater(level: 1) : nil
    let geometry = GridGeometry(
      columns: config.columns, rows: config.rows, resolution: Float(config.resolutionMeters))
    self.config = config
    self.budget = budget
    maximumRange = Float(maximumRangeMeters)
    grid = OccupancyGrid(geometry: geometry)
    lidar = LidarUpdater(geometry: geometry)
    lidar.prepare(.standard)
    v2x = V2XLayer(geometry: geometry)
    band = HeightBand(minimum: Float(config.obstacleMinZ), maximum: Float(config.obstacleMaxZ))
    floor = ObstacleFloor(floor: band.minimum)
    if config.ground == .sloped {
      ground = SlopedGround(
        nominal: band.minimum - Float(config.groundClearance),
        clearance: Float(config.groundClearance), maximumSlope: Float(config.groundMaximumSlope))
    }
    allocateLayers(geometry)
    // Until frames are measured, assume output costs 2 ns a cell (copying and sending layers).
    outputTimes[0] = Int64(geometry.cellCount) * 2
    outputTimes[1] = outputTimes[0]
    statuses.reserveCapacity(max(16, config.maxAgents))
    order.reserveCapacity(max(16, config.maxAgents))
    distances.reserveCapacity(max(16, config.maxAgents))
  }

  /// The frame's layers and message buffer, sized once.
  private mutating func allocateLayers(_ geometry: GridGeometry) {
    frame.columns = UInt32(geometry.columns)
    frame.rows = UInt32(geometry.rows)
    frame.resolution = geometry.resolution
    frame.cells = [Int8](repeating: -1, count: geometry.cellCount)
    if config.publishV2XLayer {
      v2xStorage = [Int8](repeating: -1, count: geometry.cellCount)
    }
    if config.publishLogOddsLayer {
      frame.logOddsCells = [Int16](repeating: .min, count: geometry.cellCount)
    }
    if config.publishSourceLayer {
      frame.sourceCells = [UInt8](repeating: 0, count: geometry.cellCount)
    }
    let bytesPerCell =
      1 + (config.publishV2XLayer ? 1 : 0) + (config.publishLogOddsLayer ? 2 : 0)
      + (config.publishSourceLayer ? 1 : 0)
    message.reserveCapacity(geometry.cellCount * bytesPerCell + 4096)
  }

  /// Integrates the sweep (points in the sensor frame at the sweep's end) with the ego pose and
  /// the agents at that time, and encodes the frame. `decodeNanoseconds` is the time already
  /// spent decoding its packets; `clock` is the replay's virtual clock (or the host's); `plane`
  /// anchors the ENU frame on WGS-84 when known.
  public mutating func process(
    _ sweep: borrowing Sweep, decodeNanoseconds: Int64, ego: EgoState?,
    agents: [ExtrapolatedAgent], clock: Int64, plane: LocalTangentPlane? = nil,
    startedAt: Int64? = nil, lidarSilentNanoseconds: Int64? = nil
  ) -> GridFrame {
    let started = startedAt ?? MonotonicClock.nanoseconds()
    var flags: GridFrame.Flags = sweep.isComplete ? [] : .partialSweep
    if lidarSilentNanoseconds != nil { flags.insert(.lidarAbsent) }
    frame.lidarSilentNanoseconds = lidarSilentNanoseconds ?? 0
    let pose = scroll(with: ego, flags: &flags)
    var work = workBudget(startedAt: started, flags: &flags)
    // Decay and V2X first (nearest agents first): agents must be there in any frame.
    let skippedAgents = decayAndPaint(agents, at: sweep.endNanoseconds, pose, budget: &work)
    let afterV2X = MonotonicClock.nanoseconds()
    // LiDAR: endpoints, then free space near to far, as far as the budget goes.
    var report = integrate(sweep, yaw: pose.yaw, budget: &work)
    if skippedAgents > 0 { report.degradation = .agentsSkipped }
    lastReport = report
    frame.agentsSkippedForBudget = UInt32(skippedAgents)
    let afterLidar = MonotonicClock.nanoseconds()
    let consistency = v2x.consistency(with: grid, agentCount: agents.count, into: &statuses)
    let counts = writeLayers()
    if report.degradation != .none { flags.insert(.degraded) }
    writeHeader(sweep, flags: flags, report: report, work: work, counts: counts)
    writeEgo(pose, plane: plane)
    writeAgents(agents, consistency: consistency, at: sweep.endNanoseconds)
    writeStageTimes(started: started, afterV2X: afterV2X, afterLidar: afterLidar, clock: clock)
    frame.encode(into: &message, deflater: deflater)
    frame.encodeAgents(into: &agentsMessage)
    recordOutputTime(
      started: started, afterLidar: afterLidar, decodeNanoseconds: decodeNanoseconds)
    return frame
  }

  /// Scrolls the grid with the ego (the grid is in the drive's ENU plane when the ego is known).
  /// When the pose is lost after being known, the last one is held rather than jumping to 0; a
  /// jump beyond `resetJumpMeters` clears the grid.
  private mutating func scroll(with ego: EgoState?, flags: inout GridFrame.Flags) -> (
    x: Double, y: Double, yaw: Float
  ) {
    let x = ego?.position.east ?? lastEgo?.x ?? 0
    let y = ego?.position.north ?? lastEgo?.y ?? 0
    let yaw = Float(ego?.yaw ?? lastYaw)
    if let ego {
      flags.insert(.egoKnown)
      lastYaw = ego.yaw
    }
    if let last = lastEgo, hypot(x - last.x, y - last.y) > config.resetJumpMeters {
      grid.reset()
      gridResets += 1
      flags.insert(.gridReset)
    }
    lastEgo = (x, y)
    grid.recentre(x: x, y: y)
    return (x, y, yaw)
  }

  /// The reference machine's time (deterministic) or a wall deadline, each leaving room for
  /// the output stage: under work, its reference cost (`outputPicosecondsPerCell` a cell), under
  /// wall time the second longest of the last 16, × 1.25; plus a 0.2 ms margin. Work is counted in the
  /// reference machine's picoseconds either way (`frame.workUnits` shows it in nanoseconds).
  private func workBudget(startedAt started: Int64, flags: inout GridFrame.Flags) -> WorkBudget {
    switch budget {
    case .work(let picoseconds):
      flags.insert(.deterministic)
      let reserve = Self.workReservePicoseconds(cells: grid.geometry.cellCount)
      return WorkBudget(.workUnits(max(0, picoseconds - reserve)), costs: .reference)
    case .wall(let nanoseconds):
      let reserve = secondLongestOutputTime() * 5 / 4 + 200_000
      return WorkBudget(
        .wallClock(
          deadline: started + nanoseconds - reserve, clock: { MonotonicClock.nanoseconds() }),
        costs: .reference)
    }
  }

  /// The second longest of the recent output stages: one stage the scheduler held up (it
  /// happens on a shared core) must not shrink the next 16 frames' budgets; a stage that is
  /// slow twice in 16 frames is taken as slow.
  private func secondLongestOutputTime() -> Int64 {
    var longest: Int64 = 0
    var second: Int64 = 0
    for time in outputTimes {
      if time > longest {
        second = longest
        longest = time
      } else if time > second {
        second = time
      }
    }
    return second
  }

  /// The output stage (layers, encoding, publishing) on the reference machine, per grid cell:
  /// `Tools/bench/run.sh units` prints it (output_ps_per_cell; 3,719–3,830 on 2026-12-07).
  static let outputPicosecondsPerCell = 3_800

  /// What a work budget keeps for the output stage of a grid of `cells`, and a 0.2 ms margin.
  public static func workReservePicoseconds(cells: Int) -> Int {
    cells * outputPicosecondsPerCell + 200_000_000
  }

  /// One stripe of decay (a stripe the budget cannot start waits for a later frame, which
  /// decays it by the whole time since), then the agents; returns the agents the budget skipped.
  private mutating func decayAndPaint(
    _ agents: [ExtrapolatedAgent], at time: Int64, _ pose: (x: Double, y: Double, yaw: Float),
    budget: inout WorkBudget
  ) -> Int {
    lastDecayCells = 0
    if config.decaySeconds > 0 && budget.allowsStart() {
      lastDecayCells = grid.decay(now: time, unknownAfterSeconds: config.decaySeconds)
      _ = budget.allowsMore(afterSpending: lastDecayCells, of: .decayCell)
    }
    return paint(agents, around: (pose.x, pose.y), budget: &budget)
  }

  /// The sweep's points (vehicle frame), rotated by the ego's yaw into the ENU plane, through
  /// the ground model and the LiDAR updater, each sensor's from its own origin.
  private mutating func integrate(_ sweep: borrowing Sweep, yaw: Float, budget: inout WorkBudget)
    -> LidarUpdateReport
  {
    let cosine = cosf(yaw)
    let sine = sinf(yaw)
    setRaySources(sweep, cosine: cosine, sine: sine)
    let sources = raySources
    return sweep.points.withUnsafeBufferPointer { points in
      // A local function, not a closure value: it must not allocate a context per frame.
      func position(_ index: Int) -> (x: Float, y: Float, z: Float) {
        let p = points[index]
        return (cosine * p.x - sine * p.y, sine * p.x + cosine * p.y, p.z)
      }
      if ground != nil {
        ground!.fit(count: points.count, into: &floor, position: position)
      }
      return lidar.integrate(
        sources: sources, band: band, floor: ground == nil ? nil : floor,
        maximumRange: maximumRange, budget: &budget, into: &grid, position: position)
    }
  }

  /// One ray source per segment (one from the origin for a sweep without segments), the
  /// sensors' origins rotated like their points. Reuses its buffer.
  private mutating func setRaySources(_ sweep: borrowing Sweep, cosine: Float, sine: Float) {
    raySources.removeAll(keepingCapacity: true)
    guard !sweep.segments.isEmpty else {
      raySources.append(RaySource(points: sweep.points.indices))
      return
    }
    for segment in sweep.segments {
      raySources.append(
        RaySource(
          points: segment.range, originX: cosine * segment.originX - sine * segment.originY,
          originY: sine * segment.originX + cosine * segment.originY))
    }
  }

  /// The fused cells and the optional layers (V2X, log-odds, source); returns the counts.
  private mutating func writeLayers() -> CellCounts {
    let grid = grid
    let layer = v2x
    let counts = frame.cells.withUnsafeMutableBufferPointer { cells in
      grid.writeOccupancy(into: cells)
      return layer.fuse(into: cells, lidar: grid, counts: grid.cellCounts)
    }
    if config.publishV2XLayer {
      // An empty layer is not sent (v2x_count 0): a megabyte less to copy and send per frame.
      // The buffers swap, so neither case allocates.
      if layer.paintedCellCount > 0 {
        if frame.v2xCells.isEmpty { swap(&frame.v2xCells, &v2xStorage) }
        frame.v2xCells.withUnsafeMutableBufferPointer { layer.write(into: $0) }
      } else if !frame.v2xCells.isEmpty {
        swap(&frame.v2xCells, &v2xStorage)
      }
    }
    if config.publishLogOddsLayer {
      frame.logOddsCells.withUnsafeMutableBufferPointer { grid.writeLogOdds(into: $0) }
    }
    if config.publishSourceLayer {
      let lidar = lidar
      frame.sourceCells.withUnsafeMutableBufferPointer { source in
        lidar.writeSource(of: grid, into: source)
        layer.markSource(source, bit: 2)
      }
    }
    return counts
  }

  /// The frame's header: sequence, times, the sweep's coverage, the budget's verdict, counts.
  private mutating func writeHeader(
    _ sweep: borrowing Sweep, flags: GridFrame.Flags, report: LidarUpdateReport,
    work: WorkBudget, counts: CellCounts
  ) {
    frame.flags = flags
    frame.sequence = nextSequence
    nextSequence += 1
    frame.sensorTimeNanoseconds = sweep.startNanoseconds
    frame.referenceTimeNanoseconds = sweep.endNanoseconds
    frame.azimuthCoverageCentidegrees = UInt32(clamping: sweep.coverageCentidegrees)
    frame.pointsInSweep = UInt32(clamping: sweep.points.count)
    frame.pointsUsed = UInt32(clamping: report.pointsUsed)
    frame.pointsSkipped = UInt32(clamping: report.pointsSkipped)
    frame.freeSpaceReachMeters = report.freeSpaceReachMeters
    frame.degradation = report.degradation.rawValue
    frame.workUnits = UInt32(clamping: work.unitsSpent / 1000)
    frame.occupiedCells = UInt32(clamping: counts.occupied)
    frame.freeCells = UInt32(clamping: counts.free)
    frame.unknownCells = UInt32(clamping: counts.unknown)
  }

  /// Where the grid and the ego are: in the ENU plane, and on WGS-84 when the plane is anchored.
  private mutating func writeEgo(
    _ pose: (x: Double, y: Double, yaw: Float), plane: LocalTangentPlane?
  ) {
    frame.cornerEast = grid.cornerX
    frame.cornerNorth = grid.cornerY
    frame.egoEast = pose.x
    frame.egoNorth = pose.y
    frame.egoYaw = pose.yaw
    guard let plane else {
      frame.egoWGS84 = nil
      frame.enuOrigin = nil
      return
    }
    let position = plane.geodetic(ENUPoint(east: pose.x, north: pose.y))
    frame.egoWGS84 = GeoPosition(
      latitudeDegrees: position.latitudeDegrees, longitudeDegrees: position.longitudeDegrees,
      heightMeters: position.heightMeters)
    frame.enuOrigin = GeoPosition(
      latitudeDegrees: plane.origin.latitudeDegrees,
      longitudeDegrees: plane.origin.longitudeDegrees, heightMeters: plane.origin.heightMeters)
  }

  /// Every agent with its consistency with LiDAR, and the summary counts.
  private mutating func writeAgents(
    _ agents: [ExtrapolatedAgent], consistency: ConsistencyCounts, at time: Int64
  ) {
    frame.agents.removeAll(keepingCapacity: true)
    for (index, agent) in agents.enumerated() {
      frame.agents.append(AgentsFrame.Agent(agent, consistency: statuses[index], at: time))
    }
    frame.agentsNotPainted = UInt32(clamping: max(0, agents.count - config.maxAgents))
    frame.agentsPainted = UInt16(
      clamping: consistency.confirmed + consistency.occluded + consistency.contradicted)
    frame.agentsConfirmed = UInt16(clamping: consistency.confirmed)
    frame.agentsOccluded = UInt16(clamping: consistency.occluded)
    frame.agentsContradicted = UInt16(clamping: consistency.contradicted)
  }

  /// Stage times under a wall budget; under work units nothing that depends on the machine or
  /// the moment (a replay's frames repeat exactly).
  private mutating func writeStageTimes(
    started: Int64, afterV2X: Int64, afterLidar: Int64, clock: Int64
  ) {
    if case .wall(let nanoseconds) = budget {
      frame.budgetNanoseconds = UInt32(clamping: nanoseconds)
      frame.v2xAndDecayNanoseconds = UInt32(clamping: afterV2X - started)
      frame.lidarNanoseconds = UInt32(clamping: afterLidar - afterV2X)
      frame.publishTimeNanoseconds = hostTime()
    } else {
      frame.budgetNanoseconds = 0
      frame.v2xAndDecayNanoseconds = 0
      frame.lidarNanoseconds = 0
      frame.publishTimeNanoseconds = clock
    }
  }

  /// The output stage's time, for the next frames' wall deadline and the frame's own timings.
  private mutating func recordOutputTime(
    started: Int64, afterLidar: Int64, decodeNanoseconds: Int64
  ) {
    let finished = MonotonicClock.nanoseconds()
    outputTimes[outputTimeSlot] = finished - afterLidar
    outputTimeSlot = (outputTimeSlot + 1) % outputTimes.count
    if case .wall = budget {
      frame.outputNanoseconds = UInt32(clamping: finished - afterLidar)
      frame.processingNanoseconds = UInt32(clamping: finished - started + decodeNanoseconds)
    } else {
      frame.outputNanoseconds = 0
      frame.processingNanoseconds = 0
    }
    lastProcessingNanoseconds = finished - started + decodeNanoseconds
  }

  /// A reloaded config: the budget and the decay take effect from the next frame (the rest of
  /// the grid's settings cannot change while running).
  public mutating func apply(budget: FrameBudget, decaySeconds: Double) {
    self.budget = budget
    config.decaySeconds = decaySeconds
  }

  /// Adds work done after `process` (publishing) to the output stage the budget reserves for.
  public mutating func addOutputTime(_ nanoseconds: Int64) {
    let last = (outputTimeSlot + outputTimes.count - 1) % outputTimes.count
    outputTimes[last] += nanoseconds
    lastProcessingNanoseconds += nanoseconds
  }

  /// Paints the agents nearest the ego first, up to `maxAgents` and while the budget allows
  /// (checked after each agent); returns the agents within `maxAgents` the budget skipped. The
  /// layer is composited in the agents' own order, so it does not depend on this one.
  mutating func paint(
    _ agents: [ExtrapolatedAgent], around ego: (x: Double, y: Double), budget: inout WorkBudget
  ) -> Int {
    v2x.clear()
    nearestFirst(agents, around: ego)
    let painting = min(agents.count, config.maxAgents)
    agentsNotPainted += agents.count - painting
    let cornerX = grid.cornerX
    let cornerY = grid.cornerY
    var painted = 0
    var affordable = budget.allowsStart()
    lastAgentCells = 0
    while painted < painting && affordable {
      let index = order[painted]
      let cells = v2x.paint(
        AgentFootprint(agents[index], cornerX: cornerX, cornerY: cornerY), agent: index)
      lastAgentCells += cells
      affordable = budget.allowsMore(afterSpending: cells, of: .agentCell)
      painted += 1
    }
    v2x.composite()
    return painting - painted
  }

  /// `order`: the agents' indices, nearest the ego first (ties by index).
  private mutating func nearestFirst(
    _ agents: [ExtrapolatedAgent], around ego: (x: Double, y: Double)
  ) {
    distances.removeAll(keepingCapacity: true)
    for agent in agents { distances.append(hypot(agent.x - ego.x, agent.y - ego.y)) }
    order.removeAll(keepingCapacity: true)
    order.append(contentsOf: agents.indices)
    let distances = distances
    order.sort { distances[$0] < distances[$1] || (distances[$0] == distances[$1] && $0 < $1) }
  }
}
