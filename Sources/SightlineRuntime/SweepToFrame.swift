import SightlineGrid
import SightlineLidar
import SightlineSchema
import SightlineTimeline

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The budget a frame runs under, resolved from config for this run.
public enum FrameBudget: Sendable, Equatable {
  /// Wall time from the frame's start, nanoseconds.
  case wall(nanoseconds: Int64)
  /// Work units (points and cells): deterministic.
  case work(units: Int)

  public init(config: SightlineConfig.Frame, live: Bool) {
    let wall = FrameBudget.wall(nanoseconds: Int64(config.budgetMilliseconds * 1e6))
    switch config.budgetMode {
    case .wall: self = wall
    case .work: self = .work(units: config.workUnits)
    case .auto: self = live ? wall : .work(units: config.workUnits)
    }
  }
}

/// Turns each finished sweep into a grid frame, in the budget's fixed order: scroll with the
/// ego, decay and V2X agents first, then LiDAR endpoints, then free space near to far, then the
/// output. Owns the grid, the V2X layer and the reusable message buffers: after the first frame
/// nothing here allocates.
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
  private var nextSequence: UInt64 = 0
  private var lastEgo: (x: Double, y: Double)?
  private var lastYaw: Double = 0
  private var ground: SlopedGround?
  /// The V2X layer's output buffer while the frame carries none.
  private var v2xStorage: [Int8] = []
  private var floor: ObstacleFloor
  private var order: [Int] = []
  /// Recent output-stage times (wall budget): the deadline for the grid leaves room for them.
  private var outputTimes = [Int64](repeating: 0, count: 16)
  private var outputTimeSlot = 0

  /// Compresses the layers when `publish.compression` is zlib.
  let deflater: ZlibDeflater?
  /// Stamps `publish_time_ns` under a wall budget: live runs use their `HostClock`, so the
  /// stamp stays on the timeline of the receive stamps when the system clock steps.
  public var hostTime: @Sendable () -> Int64 = WallClock.nanoseconds

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
    grid.prepare(.standard)
    v2x = V2XLayer(geometry: geometry)
    band = HeightBand(minimum: Float(config.obstacleMinZ), maximum: Float(config.obstacleMaxZ))
    floor = ObstacleFloor(floor: band.minimum)
    if config.ground == .sloped {
      ground = SlopedGround(
        nominal: band.minimum - Float(config.groundClearance),
        clearance: Float(config.groundClearance), maximumSlope: Float(config.groundMaximumSlope))
    }
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
    // Until frames are measured, assume output costs 2 ns a cell (copying and sending layers).
    outputTimes[0] = Int64(geometry.cellCount) * 2
    statuses.reserveCapacity(max(16, config.maxAgents))
    order.reserveCapacity(max(16, config.maxAgents))
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

    // Scroll with the ego (the grid is in the drive's ENU plane when the ego is known). When
    // the pose is lost after being known, the last one is held rather than jumping to 0.
    let sensorX = ego?.position.east ?? lastEgo?.x ?? 0
    let sensorY = ego?.position.north ?? lastEgo?.y ?? 0
    let yaw = Float(ego?.yaw ?? lastYaw)
    if let ego {
      flags.insert(.egoKnown)
      lastYaw = ego.yaw
    }
    if let last = lastEgo, hypot(sensorX - last.x, sensorY - last.y) > config.resetJumpMeters {
      grid.reset()
      gridResets += 1
      flags.insert(.gridReset)
    }
    lastEgo = (sensorX, sensorY)
    grid.recentre(x: sensorX, y: sensorY)

    var work: WorkBudget
    switch budget {
    case .work(let units):
      work = WorkBudget(.workUnits(units))
      flags.insert(.deterministic)
    case .wall(let nanoseconds):
      // Leave room for the output stage: the worst of the recent ones, plus a margin.
      let reserve = (outputTimes.max() ?? 0) * 5 / 4 + 200_000
      work = WorkBudget(
        .wallClock(
          deadline: started + nanoseconds - reserve, clock: { MonotonicClock.nanoseconds() }))
    }

    // Decay and V2X first: they are cheap and bounded, and agents must be there in any frame.
    var units = 0
    if config.decaySeconds > 0 {
      units += grid.decay(now: sweep.endNanoseconds, unknownAfterSeconds: config.decaySeconds)
    }
    units += paint(agents, around: (sensorX, sensorY))
    _ = work.allowsMore(afterSpending: units)
    let afterV2X = MonotonicClock.nanoseconds()

    // LiDAR: endpoints, then free space near to far, as far as the budget goes.
    let cosine = cosf(yaw)
    let sine = sinf(yaw)
    let report = sweep.points.withUnsafeBufferPointer { points in
      // A local function, not a closure value: it must not allocate a context per frame.
      func position(_ index: Int) -> (x: Float, y: Float, z: Float) {
        let p = points[index]
        return (cosine * p.x - sine * p.y, sine * p.x + cosine * p.y, p.z)
      }
      if ground != nil {
        ground!.fit(count: points.count, into: &floor, position: position)
      }
      return grid.integrate(
        count: points.count, band: band, floor: ground == nil ? nil : floor,
        maximumRange: maximumRange, rays: .standard, budget: &work, position: position)
    }
    lastReport = report
    let afterLidar = MonotonicClock.nanoseconds()

    // Output: consistency, fused cells, the V2X layer, the header.
    let consistency = v2x.consistency(with: grid, into: &statuses)
    let lidar = grid
    let layer = v2x
    let counts = frame.cells.withUnsafeMutableBufferPointer { cells in
      lidar.writeOccupancy(into: cells)
      return layer.fuse(into: cells, lidar: lidar, counts: lidar.cellCounts)
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
      frame.logOddsCells.withUnsafeMutableBufferPointer { lidar.writeLogOdds(into: $0) }
    }
    if config.publishSourceLayer {
      frame.sourceCells.withUnsafeMutableBufferPointer { source in
        lidar.writeSource(into: source)
        layer.markSource(source, bit: 2)
      }
    }
    if report.degradation != .none { flags.insert(.degraded) }
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
    frame.workUnits = UInt32(clamping: work.unitsSpent)
    frame.occupiedCells = UInt32(clamping: counts.occupied)
    frame.freeCells = UInt32(clamping: counts.free)
    frame.unknownCells = UInt32(clamping: counts.unknown)
    frame.cornerEast = grid.cornerX
    frame.cornerNorth = grid.cornerY
    frame.egoEast = sensorX
    frame.egoNorth = sensorY
    frame.egoYaw = yaw
    if let plane {
      let position = plane.geodetic(ENUPoint(east: sensorX, north: sensorY))
      frame.egoWGS84 = GeoPosition(
        latitudeDegrees: position.latitudeDegrees, longitudeDegrees: position.longitudeDegrees,
        heightMeters: position.heightMeters)
      frame.enuOrigin = GeoPosition(
        latitudeDegrees: plane.origin.latitudeDegrees,
        longitudeDegrees: plane.origin.longitudeDegrees, heightMeters: plane.origin.heightMeters)
    } else {
      frame.egoWGS84 = nil
      frame.enuOrigin = nil
    }
    frame.agents.removeAll(keepingCapacity: true)
    for (index, agent) in agents.enumerated() {
      let status = index < statuses.count ? statuses[index] : .notPainted
      frame.agents.append(AgentsFrame.Agent(agent, consistency: status, at: sweep.endNanoseconds))
    }
    frame.agentsNotPainted = UInt32(clamping: max(0, agents.count - config.maxAgents))
    frame.agentsPainted = UInt16(
      clamping: consistency.confirmed + consistency.occluded + consistency.contradicted)
    frame.agentsConfirmed = UInt16(clamping: consistency.confirmed)
    frame.agentsOccluded = UInt16(clamping: consistency.occluded)
    frame.agentsContradicted = UInt16(clamping: consistency.contradicted)
    if case .wall(let nanoseconds) = budget {
      frame.budgetNanoseconds = UInt32(clamping: nanoseconds)
      frame.v2xAndDecayNanoseconds = UInt32(clamping: afterV2X - started)
      frame.lidarNanoseconds = UInt32(clamping: afterLidar - afterV2X)
      frame.publishTimeNanoseconds = hostTime()
    } else {
      // Deterministic: nothing that depends on the machine or the moment.
      frame.budgetNanoseconds = 0
      frame.v2xAndDecayNanoseconds = 0
      frame.lidarNanoseconds = 0
      frame.publishTimeNanoseconds = clock
    }
    frame.encode(into: &message, deflater: deflater)
    frame.encodeAgents(into: &agentsMessage)
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
    return frame
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

  /// Wall time of the last frame (decode included), whatever the budget mode.
  public private(set) var lastProcessingNanoseconds: Int64 = 0

  /// Paints the agents nearest the ego first, up to `maxAgents`; returns the cells visited.
  mutating func paint(_ agents: [ExtrapolatedAgent], around ego: (x: Double, y: Double)) -> Int {
    v2x.clear()
    order.removeAll(keepingCapacity: true)
    order.append(contentsOf: agents.indices)
    if agents.count > config.maxAgents {
      func distance(_ i: Int) -> Double { hypot(agents[i].x - ego.x, agents[i].y - ego.y) }
      order.sort { distance($0) < distance($1) }
      agentsNotPainted += agents.count - config.maxAgents
      order.removeLast(agents.count - config.maxAgents)
      order.sort()  // statuses follow the agents' own order
    }
    var units = 0
    let cornerX = grid.cornerX
    let cornerY = grid.cornerY
    for index in order {
      units += v2x.paint(Self.footprint(agents[index], cornerX: cornerX, cornerY: cornerY))
    }
    return units
  }

  /// An agent as the grid paints it: its reported size, or its class's usual one.
  static func footprint(_ agent: ExtrapolatedAgent, cornerX: Double, cornerY: Double)
    -> AgentFootprint
  {
    let shape: AgentShape
    switch agent.kind {
    case .vehicle:
      let length = Float(agent.length ?? 4.5)
      let width = Float(agent.width ?? 1.8)
      // Without a heading the orientation is unknown: a disc that holds the vehicle.
      shape =
        agent.heading == nil
        ? .disc(radius: (length * length + width * width).squareRoot() / 2)
        : .rectangle(length: length, width: width)
    case .pedestrian: shape = .disc(radius: 0.3)
    case .cyclist: shape = .disc(radius: 0.9)
    case .other: shape = .disc(radius: 0.5)
    }
    return AgentFootprint(
      x: Float(agent.x - cornerX), y: Float(agent.y - cornerY), heading: Float(agent.heading ?? 0),
      shape: shape, covarianceXX: Float(agent.covarianceXX),
      covarianceXY: Float(agent.covarianceXY), covarianceYY: Float(agent.covarianceYY))
  }
}

extension AgentsFrame.Agent {
  /// An extrapolated track as published, with its consistency with LiDAR.
  init(_ agent: ExtrapolatedAgent, consistency: AgentConsistency, at time: Int64) {
    self.init()
    id = agent.id
    kind =
      switch agent.kind {
      case .vehicle: .vehicle
      case .pedestrian: .pedestrian
      case .cyclist: .cyclist
      case .other: .other
      }
    model =
      switch agent.model {
      case .ctra: .ctra
      case .constantVelocity: .constantVelocity
      case .constantPosition: .constantPosition
      }
    self.consistency = Consistency(rawValue: consistency.rawValue) ?? .notPainted
    east = agent.x
    north = agent.y
    heading = agent.heading.map(Float.init)
    speed = agent.speed.map(Float.init)
    futureDated = agent.futureDated
    covarianceEE = Float(agent.covarianceXX)
    covarianceEN = Float(agent.covarianceXY)
    covarianceNN = Float(agent.covarianceYY)
    latencyNanoseconds = agent.latencyNanoseconds
    generationTimeNanoseconds = time - agent.latencyNanoseconds
    distanceTravelled = Float(agent.distanceTravelled)
  }
}
