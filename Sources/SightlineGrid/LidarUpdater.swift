// Integrating one LiDAR sweep into a grid, as OctoMap does: the update is worked out in the
// updater's own scratch, then applied to the map, which stays storage only. Steps run in the
// budget's fixed order: endpoints first (they are the most valuable, and claim their cells so
// that occupied wins), then free space near to far, then the claimed hits.

/// Integrates sweeps into an `OccupancyGrid` of its geometry. Owns what only the update needs:
/// claimed cells, the casters' reach and marks, the measured cost of a hit. One updater per
/// grid (its last frame's hits feed that grid's `writeSource`); allocation-free once prepared.
public struct LidarUpdater: Sendable {
  public let geometry: GridGeometry
  /// Which cells an obstacle claimed this frame: one bit a cell, so the random accesses of the
  /// endpoint pass stay in cache. Kept after the frame for `writeSource`.
  var claimedBits: [UInt64]
  /// This frame's claimed obstacle cells (storage indexes): the first `frameHitCount`, the rest
  /// is scratch. One slot per point: it grows to the largest sweep once, then stays.
  var frameHits: [Int32] = []
  var frameHitCount = 0
  /// Measured cost of applying one hit (wall budgets reserve it before the frame's end).
  var hitNanoseconds: Float = 40
  var polar = PolarFreeSpace()
  /// The reach of the rig's other sensors (`RaySource`), one caster each, sharing `polar`'s
  /// tables: grown to the most sources a frame had, then reused.
  var otherPolar: [PolarFreeSpace] = []
  /// The one source of a sweep from the vehicle frame's origin.
  var originOnly = [RaySource(points: 0..<0)]
  var endpointBatch = EndpointBatch()
  var perPoint = PerPointRays()

  public init(geometry: GridGeometry) {
    precondition(geometry.columns > 0 && geometry.rows > 0 && geometry.resolution > 0)
    self.geometry = geometry
    claimedBits = Array(repeating: 0, count: (geometry.cellCount + 63) / 64)
  }

  /// Builds what `rays` needs ahead of the first frame (polar tables: the costly part, once).
  public mutating func prepare(_ rays: RayCasting, sources: Int = 1) {
    switch rays {
    case .polar(let bins):
      polar.prepare(geometry: geometry, binsPerTurn: bins)
      while otherPolar.count < sources - 1 { otherPolar.append(PolarFreeSpace(sharing: polar)) }
      for index in otherPolar.indices where otherPolar[index].bins != bins {
        otherPolar[index] = PolarFreeSpace(sharing: polar)
      }
    case .perPoint: perPoint.prepare(cellCount: geometry.cellCount)
    }
  }

  /// Integrates one sweep into `grid`. `position(i)` gives point i in metres relative to the
  /// sensor, with world-aligned axes (x east, y north; the caller rotates by the ego's yaw) and
  /// z up from the sensor. Call `grid.recentre` first. Cells crossed by rays are free, obstacle
  /// endpoints occupied; each cell is updated at most once.
  /// `floor`, when given (a `GroundModel`'s fit), replaces the band's minimum: a return is an
  /// obstacle above the ground under it, not above a fixed height.
  public mutating func integrate(
    count: Int, band: HeightBand, floor: ObstacleFloor? = nil, maximumRange: Float = .infinity,
    rays: RayCasting = .standard, budget: inout WorkBudget, into grid: inout OccupancyGrid,
    position: (Int) -> (x: Float, y: Float, z: Float)
  ) -> LidarUpdateReport {
    originOnly[0].points = 0..<count
    let sources = originOnly
    return integrate(
      sources: sources, band: band, floor: floor, maximumRange: maximumRange, rays: rays,
      budget: &budget, into: &grid, position: position)
  }

  /// Integrates points from several sensors (`sources`, in the budget's order): every
  /// source's endpoints first, so that no sensor's free space clears a cell another's return
  /// claimed this frame; then each source's free space from its own origin, near to far; the
  /// claimed hits last. `position(i)` is relative to the vehicle's origin (the centre cell),
  /// as for one sensor. The per-point caster casts from the centre only (one source).
  public mutating func integrate(
    sources: [RaySource], band: HeightBand, floor: ObstacleFloor? = nil,
    maximumRange: Float = .infinity, rays: RayCasting = .standard, budget: inout WorkBudget,
    into grid: inout OccupancyGrid, position: (Int) -> (x: Float, y: Float, z: Float)
  ) -> LidarUpdateReport {
    precondition(grid.geometry == geometry, "a LidarUpdater integrates into grids of its geometry")
    var report = LidarUpdateReport()
    beginFrame()
    prepare(rays, sources: sources.count)
    let count = sources.reduce(0) { $0 + $1.points.count }
    let isPolar = rays != .perPoint
    guard budget.allowsStart() else {
      report.pointsSkipped = count
      report.degradation = .lidarSkipped
      report.freeSpaceReachMeters = 0
      return report
    }
    let window = WindowPlacement(grid)
    var processed = 0
    for (index, source) in sources.enumerated() {
      let done = claimEndpoints(
        source, caster: index, band: band, floor: floor, maximumRange: maximumRange,
        polar: isPolar, window: window, budget: &budget, report: &report, position: position)
      processed += done
      if done < source.points.count { break }
    }
    if processed < count {
      report.pointsSkipped = count - processed
      report.degradation = processed == 0 ? .lidarSkipped : .pointsSkipped
      report.freeSpaceReachMeters = 0
      // No free space this frame: forget the reach its endpoints gathered, or the next frame
      // would cast it from its own pose (a frame without points would cast nothing else).
      polar.clearReach()
      for index in otherPolar.indices { otherPolar[index].clearReach() }
    } else if isPolar {
      castFreeSpace(sources, window: window, budget: &budget, into: &grid, report: &report)
    } else {
      perPoint.cast(
        count: count, band: band, floor: floor, maximumRange: maximumRange, claimed: claimedBits,
        into: &grid, report: &report, position: position)
    }
    let applying = budget.now()
    applyHits(to: &grid, report: &report)
    report.hitsApplied = frameHitCount
    // What applying one hit costs (random access), kept for the next frame's reserve.
    if let applying, let done = budget.now(), frameHitCount > 256 {
      hitNanoseconds = Float(done - applying) / Float(frameHitCount)
    }
    return report
  }

  /// Each source's free space from its own cell, in order, while the budget lasts (a source
  /// the budget stopped leaves the later ones none).
  mutating func castFreeSpace(
    _ sources: [RaySource], window: WindowPlacement, budget: inout WorkBudget,
    into grid: inout OccupancyGrid, report: inout LidarUpdateReport
  ) {
    for (index, source) in sources.enumerated() {
      let origin = window.offset(x: source.originX, y: source.originY)
      let unitsBefore = report.freeSpaceUnits
      if index == 0 {
        polar.cast(
          into: &grid, claimed: claimedBits, origin: origin, budget: &budget, report: &report)
      } else {
        otherPolar[index - 1].cast(
          into: &grid, claimed: claimedBits, origin: origin, budget: &budget, report: &report)
      }
      report.freeSpaceUnits += unitsBefore
      if report.degradation != .none {
        for later in sources.indices.dropFirst(index + 1) { otherPolar[later - 1].clearReach() }
        break
      }
    }
  }

  /// A convenience for tests and tools with an unlimited budget.
  public mutating func integrate(
    count: Int, band: HeightBand, floor: ObstacleFloor? = nil, maximumRange: Float = .infinity,
    rays: RayCasting = .standard, into grid: inout OccupancyGrid,
    position: (Int) -> (x: Float, y: Float, z: Float)
  ) -> LidarUpdateReport {
    var budget = WorkBudget.unlimited
    return integrate(
      count: count, band: band, floor: floor, maximumRange: maximumRange, rays: rays,
      budget: &budget, into: &grid, position: position)
  }

  /// Writes where each cell's LiDAR evidence comes from, row-major from window cell (0, 0):
  /// bit 0 the cell has been observed (not unknown), bit 2 a return hit it in the last frame
  /// this updater integrated. Other bits are 0. The hits are this updater's, hence here.
  public func writeSource(of grid: OccupancyGrid, into cells: UnsafeMutableBufferPointer<UInt8>) {
    precondition(grid.geometry == geometry && cells.count >= geometry.cellCount)
    let columns = geometry.columns
    for row in 0..<geometry.rows {
      let storedRow = OccupancyGrid.wrap(grid.cornerRow + row, geometry.rows) * columns
      for column in 0..<columns {
        let stored = storedRow + OccupancyGrid.wrap(grid.cornerColumn + column, columns)
        let observed: UInt8 = grid.logOdds[stored] == OccupancyGrid.unknownLogOdds ? 0 : 1
        let hit: UInt8 = claimedBits[stored >> 6] >> UInt64(stored & 63) & 1 == 0 ? 0 : 4
        cells[row * columns + column] = observed | hit
      }
    }
  }

  // MARK: Steps

  /// Starts a frame: no cell claimed yet (an eighth of a megabyte for 1000×1000).
  mutating func beginFrame() {
    claimedBits.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    frameHitCount = 0
  }

  /// Classifies and validates one point; nil when it is not used at all.
  @inline(__always) static func classify(
    _ p: (x: Float, y: Float, z: Float), band: HeightBand, floor: ObstacleFloor?,
    maximumRange: Float, report: inout LidarUpdateReport
  ) -> Bool? {
    // Beyond this a coordinate cannot be a LiDAR return, and converting it to a cell index
    // would overflow: it is rejected like a NaN.
    let farthest: Float = 100_000
    guard p.x.isFinite, p.y.isFinite, p.z.isFinite, abs(p.x) < farthest, abs(p.y) < farthest,
      p.x * p.x + p.y * p.y <= maximumRange * maximumRange
    else {
      report.pointsRejected &+= 1
      return nil
    }
    if p.z > band.maximum {
      report.pointsOverhang &+= 1
      return nil
    }
    let isObstacle = p.z >= (floor?.floor(x: p.x, y: p.y) ?? band.minimum)
    if isObstacle { report.pointsUsed &+= 1 } else { report.pointsGround &+= 1 }
    return isObstacle
  }

  /// Endpoints in point order, checking the budget every chunk: claims obstacle cells and, for
  /// polar casting, raises each point's bin reach. Touches no cell of the map. Returns the
  /// points processed.
  mutating func claimEndpoints(
    _ source: RaySource, caster: Int, band: HeightBand, floor: ObstacleFloor?,
    maximumRange: Float, polar: Bool, window: WindowPlacement, budget: inout WorkBudget,
    report: inout LidarUpdateReport, position: (Int) -> (x: Float, y: Float, z: Float)
  ) -> Int {
    let chunk = EndpointBatch.capacity
    let perHit = hitNanoseconds
    let first = source.points.lowerBound
    let count = source.points.upperBound
    var processed = first
    // Moved out for exclusive access inside the closures; put back below.
    var reachScratch = caster == 0 ? self.polar.reach : otherPolar[caster - 1].reach
    if caster == 0 { self.polar.reach = [] } else { otherPolar[caster - 1].reach = [] }
    var claimed = claimedBits
    claimedBits = []
    var hits = frameHits
    frameHits = []
    // One slot per point, written unconditionally and kept only for a new claim: no branch on
    // whether a point claims. Grows only when a sweep has more points than any before.
    if hits.count < frameHitCount + source.points.count {
      hits += [Int32](repeating: 0, count: frameHitCount + source.points.count - hits.count)
    }
    var hitCount = frameHitCount
    let pass = EndpointPass(
      band: band, floor: floor, maximumRange: maximumRange, polar: polar, window: window,
      bins: self.polar.bins, origin: window.offset(x: source.originX, y: source.originY))
    var batch = endpointBatch
    endpointBatch = EndpointBatch()
    claimed.withUnsafeMutableBufferPointer { claimed in
      reachScratch.withUnsafeMutableBufferPointer { reach in
        hits.withUnsafeMutableBufferPointer { hits in
          batch.withLanes { lanes in
            while processed < count {
              let end = min(processed + chunk, count)
              var tally = EndpointPass.Tally()
              var raised = 0
              for index in processed..<end {
                pass.endpoint(
                  position(index), claimed: claimed, batch: lanes, raised: &raised, hits: hits,
                  hitCount: &hitCount, tally: &tally)
              }
              pass.raiseReach(lanes, count: raised, reach: reach)
              tally.fold(into: &report)
              let spent = end - processed
              report.endpointUnits &+= spent
              processed = end
              budget.commit(hitCount, of: .hit, nanoseconds: Int64(Float(hitCount) * perHit))
              let allowed = budget.allowsMore(afterSpending: spent, of: .point)
              if processed < count && !allowed { break }
            }
          }
        }
      }
    }
    endpointBatch = batch
    if caster == 0 {
      self.polar.reach = reachScratch
    } else {
      otherPolar[caster - 1].reach = reachScratch
    }
    claimedBits = claimed
    frameHits = hits
    frameHitCount = hitCount
    return processed - first
  }

  /// The frame's obstacle cells, last: occupied wins over any free space cast through them.
  func applyHits(to grid: inout OccupancyGrid, report: inout LidarUpdateReport) {
    let hits = frameHits
    let count = frameHitCount
    grid.withCells { cells in
      for hit in hits[..<count] { cells.applyHit(Int(hit)) }
      report.cellsUpdated &+= cells.updated
    }
  }
}
