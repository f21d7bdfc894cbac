// Integrating one LiDAR sweep into the grid, in the budget's fixed order: endpoints first
// (occupied wins, and they are the most valuable), then free space near to far.
//
// Free space is cast polar, as Autoware does, but without walking rays: each azimuth bin keeps
// how far it saw, and every cell knows (from a table built once) which bins cross it the way
// a Bresenham ray would and how far it is from the sensor. A cell is free when one of its bins
// reaches past it. Cells are visited in runs sorted near to far, so the work is proportional to
// the free area, not to points × range, and a budget can stop it at a known distance.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How free space is cast.
public enum RayCasting: Sendable, Equatable {
  /// One Bresenham ray per point: the reference, and what the naive baseline does.
  case perPoint
  /// Azimuth bins per turn, at most 4096 (see `PolarTables`).
  case polar(binsPerTurn: Int)

  public static let standard = RayCasting.polar(binsPerTurn: 3600)
}

extension OccupancyGrid {
  /// Integrates one sweep. `position(i)` gives point i in metres relative to the sensor, with
  /// world-aligned axes (x east, y north; the caller rotates by the ego's yaw) and z up from the
  /// sensor. Call `recentre` first. Cells crossed by rays are free, obstacle endpoints occupied;
  /// each cell is updated at most once. Allocation-free once the tables exist.
  /// `floor`, when given (a `GroundModel`'s fit), replaces the band's minimum: a return is an
  /// obstacle above the ground under it, not above a fixed height.
  public mutating func integrate(
    count: Int, band: HeightBand, floor: ObstacleFloor? = nil, maximumRange: Float = .infinity,
    rays: RayCasting = .standard, budget: inout WorkBudget,
    position: (Int) -> (x: Float, y: Float, z: Float)
  ) -> LidarUpdateReport {
    var report = LidarUpdateReport()
    beginFrame()
    var polarBins = 0
    if case .polar(let bins) = rays {
      polarBins = bins
      preparePolar(binsPerTurn: bins)
    }
    guard budget.allowsStart() else {
      report.pointsSkipped = count
      report.degradation = .lidarSkipped
      report.freeSpaceReachMeters = 0
      return report
    }
    let processed = integrateEndpoints(
      count: count, band: band, floor: floor, maximumRange: maximumRange, polar: polarBins > 0,
      budget: &budget, report: &report, position: position)
    if processed < count {
      report.pointsSkipped = count - processed
      report.degradation = processed == 0 ? .lidarSkipped : .pointsSkipped
      report.freeSpaceReachMeters = 0
      // No free space this frame: forget the reach its endpoints gathered, or the next frame
      // would cast it from its own pose (a frame without points would cast nothing else).
      clearPolarReach()
    } else if polarBins > 0 {
      castPolarFreeSpace(budget: &budget, report: &report)
    } else {
      castPerPointFreeSpace(
        count: count, band: band, floor: floor, maximumRange: maximumRange, report: &report,
        position: position)
    }
    let applying = budget.now()
    applyHits(report: &report)
    report.hitsApplied = frameHits.count
    // What applying one hit costs (random access), kept for the next frame's reserve.
    if let applying, let done = budget.now(), frameHits.count > 256 {
      hitNanoseconds = Float(done - applying) / Float(frameHits.count)
    }
    return report
  }

  /// A convenience for tests and tools with an unlimited budget.
  public mutating func integrate(
    count: Int, band: HeightBand, floor: ObstacleFloor? = nil, maximumRange: Float = .infinity,
    rays: RayCasting = .standard, position: (Int) -> (x: Float, y: Float, z: Float)
  ) -> LidarUpdateReport {
    var budget = WorkBudget.unlimited
    return integrate(
      count: count, band: band, floor: floor, maximumRange: maximumRange, rays: rays,
      budget: &budget, position: position)
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

  /// Endpoints in point order, checking the budget every chunk; returns the points processed.
  mutating func integrateEndpoints(
    count: Int, band: HeightBand, floor: ObstacleFloor?, maximumRange: Float, polar: Bool,
    budget: inout WorkBudget,
    report: inout LidarUpdateReport, position: (Int) -> (x: Float, y: Float, z: Float)
  ) -> Int {
    let window = WindowPlacement(self)
    let chunk = 1024
    let wallClock = budget.isWallClock
    let perHit = hitNanoseconds
    var processed = 0
    var reachScratch = polarReach
    polarReach = []  // moved out for exclusive access; put back below
    var hits = frameHits
    frameHits = []
    hits.removeAll(keepingCapacity: true)
    hits.reserveCapacity(count)  // grows only when a sweep has more points than any before
    let bins = polarTables?.bins ?? 0
    let binsPerRadian = Float(bins) / (2 * .pi)
    withCells { cells in
      reachScratch.withUnsafeMutableBufferPointer { reach in
        while processed < count {
          let end = min(processed + chunk, count)
          for index in processed..<end {
            let p = position(index)
            guard
              let isObstacle = Self.classify(
                p, band: band, floor: floor, maximumRange: maximumRange, report: &report)
            else { continue }
            let (dc, dr) = window.offset(x: p.x, y: p.y)
            if polar && (dc != 0 || dr != 0) {
              let fdc = Float(dc)
              let fdr = Float(dr)
              var bin = Int((Self.fastAtan2(fdr, fdc) + .pi) * binsPerRadian)
              if bin >= bins { bin -= bins }
              let distance = (fdc * fdc + fdr * fdr).squareRoot()
              // Obstacles free the cells before their own; ground frees its own too.
              // Kept squared: cells compare their squared distance, no square root per cell.
              let freeReach = isObstacle ? distance - 0.5 : distance + 0.5
              reach[bin] = max(reach[bin], freeReach * freeReach)  // no branch to mispredict
            }
            guard isObstacle else { continue }
            let column = window.sensorColumn &+ dc
            let row = window.sensorRow &+ dr
            guard window.contains(column: column, row: row) else { continue }
            let stored = window.storedIndex(column: column, row: row)
            if cells.claimHit(stored) { hits.append(Int32(truncatingIfNeeded: stored)) }
          }
          let spent = end - processed
          report.endpointUnits &+= spent
          processed = end
          budget.committed =
            wallClock ? Int64(Float(hits.count) * perHit) : Int64(hits.count)
          let allowed = budget.allowsMore(afterSpending: spent)
          if processed < count && !allowed { break }
        }
      }
      report.cellsUpdated &+= cells.updated
    }
    polarReach = reachScratch
    frameHits = hits
    return processed
  }

  /// The frame's obstacle cells, last: occupied wins over any free space cast through them.
  mutating func applyHits(report: inout LidarUpdateReport) {
    let hits = frameHits
    frameHits = []
    withCells { cells in
      for hit in hits { cells.applyHit(Int(hit)) }
      report.cellsUpdated &+= cells.updated
    }
    frameHits = hits
  }

  /// atan2 within about 1e-4 rad, several times cheaper than libm's; plenty for binning.
  @inline(__always) static func fastAtan2(_ y: Float, _ x: Float) -> Float {
    let ax = abs(x)
    let ay = abs(y)
    guard ax > 0 || ay > 0 else { return 0 }
    let a = min(ax, ay) / max(ax, ay)
    let s = a * a
    var r = ((-0.046_496_474_9 * s + 0.159_314_22) * s - 0.327_622_764) * s * a + a
    if ay > ax { r = .pi / 2 - r }
    if x < 0 { r = .pi - r }
    return y < 0 ? -r : r
  }

  /// Builds what `rays` needs (polar tables: once per grid) ahead of the first frame.
  public mutating func prepare(_ rays: RayCasting) {
    if case .polar(let bins) = rays { preparePolar(binsPerTurn: bins) }
  }

  mutating func clearPolarReach() {
    let bins = polarTables?.bins ?? 0
    polarReach.withUnsafeMutableBufferPointer { reach in
      for bin in 0..<min(bins, reach.count) { reach[bin] = 0 }
    }
  }

  mutating func preparePolar(binsPerTurn bins: Int) {
    if polarTables?.bins != bins || polarTables?.geometry != geometry {
      polarTables = PolarTables(geometry: geometry, binsPerTurn: bins)  // once per grid
      polarReach = [Float](repeating: 0, count: bins * polarTables!.levels)
    }
  }

  /// Free space from the bins' reach, run by run, near to far, until the budget runs out.
  mutating func castPolarFreeSpace(budget: inout WorkBudget, report: inout LidarUpdateReport) {
    guard let tables = polarTables else { return }
    let bins = tables.bins
    var reachTable = polarReach
    polarReach = []
    // The sparse table: level l holds the maximum over 2^l bins from each bin, wrapping, so the
    // maximum over any run of bins is two reads.
    reachTable.withUnsafeMutableBufferPointer { table in
      for level in 1..<tables.levels {
        let half = 1 << (level - 1)
        let base = level * bins
        let below = base - bins
        for bin in 0..<bins {
          var other = bin + half
          if other >= bins { other -= bins }
          table[base + bin] = max(table[below + bin], table[below + other])
        }
      }
    }
    let columns = geometry.columns
    let rows = geometry.rows
    let rowOffset = rowOffset
    let columnOffset = columnOffset
    let runsPerCheck = 64
    let sensorColumn = geometry.sensorColumn
    let sensorRow = geometry.sensorRow
    let unitsBefore = budget.unitsSpent
    var stoppedAt: Float?
    withCells { cells in
      reachTable.withUnsafeBufferPointer { table in
        tables.cells.withUnsafeBufferPointer { cellRays in
          tables.runs.withUnsafeBufferPointer { runs in
            let odds = cells.logOdds
            let occupancy = cells.occupancy
            let percent = cells.percent
            let miss = cells.model.miss
            let lowest = cells.model.minimum
            let lowest16 = Int16(truncatingIfNeeded: lowest)
            let claimed = cells.claimed
            let saturated = cells.saturated
            var fromUnknown = 0
            var fromOccupied = 0
            var toOccupied = 0
            var missed = 0
            defer {
              cells.counts.unknown &-= fromUnknown
              cells.counts.occupied &+= toOccupied &- fromOccupied
              cells.counts.free &+=
                (missed &- toOccupied) &- (missed &- fromUnknown &- fromOccupied)
              cells.updated &+= missed
            }
            var units = 0
            var ring: UInt16 = 0
            for (number, run) in runs.enumerated() {
              if run.ring != ring { ring = run.ring }
              if number % runsPerCheck == 0 {
                if !budget.allowsMore(afterSpending: units) {
                  // Rings before this one are complete: free space is cast out to its inner
                  // edge in every direction.
                  stoppedAt = Float(PolarTables.ringStarts[Int(ring)])
                  break
                }
                units = 0
              }
              units &+= 1
              let runReach = max(table[Int(run.reachA)], table[Int(run.reachB)])
              guard runReach > run.minimumRange else { continue }
              let firstColumn = Int(run.column)
              let lastColumn = firstColumn + Int(run.columns)
              let row = Int(run.row)
              var storedRow = row &+ rowOffset
              if storedRow >= rows { storedRow &-= rows }
              let stored = storedRow &* columns
              var storedFirst = firstColumn &+ columnOffset
              if storedFirst >= columns { storedFirst &-= columns }
              // The run's cells, if contiguous in storage, may all sit at the free clamp: then
              // free space cannot change them, and they are not read at all.
              let start = stored &+ storedFirst
              let length = lastColumn &- firstColumn
              if storedFirst &+ length <= columns {
                let firstRun = start &>> OccupancyGrid.runShift
                let lastRun = (start &+ length &- 1) &>> OccupancyGrid.runShift
                if saturated[firstRun] == 16 && saturated[lastRun] == 16 {
                  units &+= 1
                  continue
                }
              }
              storedFirst &-= firstColumn
              let rayBase = row &* columns
              let dr = Float(row &- sensorRow)
              let dr2 = dr * dr
              for column in firstColumn..<lastColumn {
                let ray = cellRays[rayBase &+ column]
                let dc = Float(column &- sensorColumn)
                if dc * dc + dr2 < max(table[Int(ray.reachA)], table[Int(ray.reachB)]) {
                  // A miss, inlined with register counters: this is the grid's hottest loop.
                  var storedColumn = storedFirst &+ column
                  if storedColumn >= columns { storedColumn &-= columns }
                  let index = stored &+ storedColumn
                  let stored16 = odds[index]
                  // Saturated free space stays as it is: no write, and no counts change.
                  if stored16 == lowest16 { continue }
                  // A cell claimed by an obstacle this frame is left for its hit (occupied
                  // wins); only cells about to change pay for this check.
                  if claimed[index &>> 6] & (1 &<< UInt64(index & 63)) != 0 { continue }
                  let wasUnknown = stored16 == OccupancyGrid.unknownLogOdds
                  let before = wasUnknown ? 0 : Int32(stored16)
                  let after = max(before &+ miss, lowest)
                  odds[index] = Int16(truncatingIfNeeded: after)
                  if after == lowest { saturated[index &>> OccupancyGrid.runShift] &+= 1 }
                  occupancy[index] = percent[Int(after &- lowest)]
                  fromUnknown &+= wasUnknown ? 1 : 0
                  fromOccupied &+= !wasUnknown && before > 0 ? 1 : 0
                  toOccupied &+= after > 0 ? 1 : 0
                  missed &+= 1
                }
              }
              units &+= Int(run.columns)
            }
            _ = budget.allowsMore(afterSpending: units)
          }
        }
      }
      report.cellsUpdated &+= cells.updated
    }
    report.freeSpaceUnits = budget.unitsSpent - unitsBefore
    if let stoppedAt {
      report.freeSpaceReachMeters = stoppedAt * geometry.resolution
      report.degradation = stoppedAt <= 1 ? .endpointsOnly : .freeSpaceTruncated
    }
    // Level 0 is this frame's reach per bin; clear it for the next frame.
    for bin in 0..<bins { reachTable[bin] = 0 }
    polarReach = reachTable
  }
}

/// Per window cell and per run, which azimuth bins cross it and how far it is from the sensor
/// cell: fixed for a geometry, because the window keeps the sensor in one cell. Immutable, so
/// grids share it without copying.
final class PolarTables: Sendable {
  struct CellRay {
    /// Two indexes into the sparse reach table whose maximum is the reach over the cell's bins.
    /// Four bytes a cell: the distance is recomputed from the cell's position, cheaper than
    /// streaming it from memory.
    var reachA: UInt16
    var reachB: UInt16
  }
  struct Run {
    var row: UInt16
    var column: UInt16
    var columns: UInt16
    var reachA: UInt16
    var reachB: UInt16
    /// The nearest of its cells, squared, cells².
    var minimumRange: Float
    /// Square ring it belongs to (see `ringStarts`).
    var ring: UInt16
  }

  let geometry: GridGeometry
  let bins: Int
  let levels: Int
  let cells: [CellRay]
  /// Runs of up to `runLength` cells of one row, sorted near to far by ring.
  let runs: [Run]
  static let runLength = 16
  /// Inner Chebyshev distance (cells) of each square ring. Rings widen by √2: narrow near the
  /// sensor, where a truncated frame must still be complete, and wide far out, where row-major
  /// order inside a ring keeps memory streaming (narrow rings everywhere cost 30–50%).
  static let ringStarts: [Int] = [0] + (0..<20).map { 32 << $0 }
  static func ring(ofChebyshevDistance distance: Int) -> Int {
    ringStarts.lastIndex { $0 <= distance } ?? 0
  }

  init(geometry: GridGeometry, binsPerTurn bins: Int) {
    precondition(bins >= 8 && bins <= 4096, "polar ray casting takes 8...4096 bins")
    precondition(geometry.columns <= 65_535 && geometry.rows <= 65_535)
    self.geometry = geometry
    self.bins = bins
    var levels = 1
    while (1 << levels) <= bins { levels += 1 }
    self.levels = levels
    let binsPerRadian = Double(bins) / (2 * .pi)
    func bin(_ angle: Double) -> Int { min(Int((angle + .pi) * binsPerRadian), bins - 1) }
    /// Table indexes for the circular run of bins [first, last].
    func query(_ first: Int, _ last: Int) -> (UInt16, UInt16) {
      var length = last - first
      if length < 0 { length += bins }
      length += 1
      var level = 0
      while (2 << level) <= length { level += 1 }
      var second = last - (1 << level) + 1
      if second < 0 { second += bins }
      return (UInt16(level * bins + first), UInt16(level * bins + second))
    }
    let everything = query(0, bins - 1)
    /// The bins between two directions less than π apart, both given as (x, y).
    func span(_ a: (Double, Double), _ b: (Double, Double)) -> (UInt16, UInt16) {
      let angleA = atan2(a.1, a.0)
      let angleB = atan2(b.1, b.0)
      var delta = angleB - angleA
      if delta > .pi { delta -= 2 * .pi }
      if delta < -.pi { delta += 2 * .pi }
      return delta >= 0 ? query(bin(angleA), bin(angleB)) : query(bin(angleB), bin(angleA))
    }
    let columns = geometry.columns
    let rows = geometry.rows
    let sensorColumn = geometry.sensorColumn
    let sensorRow = geometry.sensorRow
    var cells = [CellRay](repeating: CellRay(reachA: 0, reachB: 0), count: columns * rows)
    for row in 0..<rows {
      for column in 0..<columns {
        let dc = Double(column - sensorColumn)
        let dr = Double(row - sensorRow)
        let reach: (UInt16, UInt16)
        if dc == 0 && dr == 0 {
          reach = everything
        } else if abs(dc) >= abs(dr) {
          // A ray whose major axis is x crosses this cell when it passes within half a cell
          // of its centre row at the centre column: Bresenham's rule.
          reach = span((dc, dr - 0.5), (dc, dr + 0.5))
        } else {
          reach = span((dc - 0.5, dr), (dc + 0.5, dr))
        }
        cells[row * columns + column] = CellRay(reachA: reach.0, reachB: reach.1)
      }
    }
    self.cells = cells
    var runs: [Run] = []
    let size = Self.runLength
    for row in 0..<rows {
      for column in stride(from: 0, to: columns, by: size) {
        let runColumns = min(size, columns - column)
        var nearest = Float.infinity
        for c in column..<(column + runColumns) {
          let dc = Float(c - sensorColumn)
          let dr = Float(row - sensorRow)
          nearest = min(nearest, dc * dc + dr * dr)
        }
        // Every cell's bins lie within the bins of the strip's outline, grown by half a cell.
        let x0 = Double(column - sensorColumn) - 0.5
        let x1 = Double(column + runColumns - 1 - sensorColumn) + 0.5
        let y0 = Double(row - sensorRow) - 0.5
        let y1 = Double(row - sensorRow) + 0.5
        let reach: (UInt16, UInt16)
        if x0 <= 0 && x1 >= 0 && y0 <= 0 && y1 >= 0 {
          reach = everything
        } else {
          // The two extreme corners as seen from the sensor bound the strip's bins.
          let corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)]
          let centre = atan2((y0 + y1) / 2, (x0 + x1) / 2)
          var low = (corners[0], Double.infinity)
          var high = (corners[0], -Double.infinity)
          for corner in corners {
            var delta = atan2(corner.1, corner.0) - centre
            if delta > .pi { delta -= 2 * .pi }
            if delta < -.pi { delta += 2 * .pi }
            if delta < low.1 { low = (corner, delta) }
            if delta > high.1 { high = (corner, delta) }
          }
          reach = high.1 - low.1 >= .pi ? everything : span(low.0, high.0)
        }
        // Near to far by square rings, row-major inside a ring so that
        // memory is read in order.
        let chebyshev = max(
          abs(row - sensorRow),
          column + runColumns - 1 < sensorColumn
            ? sensorColumn - (column + runColumns - 1)
            : (column > sensorColumn ? column - sensorColumn : 0))
        runs.append(
          Run(
            row: UInt16(row), column: UInt16(column), columns: UInt16(runColumns), reachA: reach.0,
            reachB: reach.1,
            minimumRange: max(0, nearest - 0.01),
            ring: UInt16(Self.ring(ofChebyshevDistance: chebyshev))))
      }
    }
    self.runs = runs.sorted {
      ($0.ring, $0.row, $0.column) < ($1.ring, $1.row, $1.column)
    }
  }
}

extension OccupancyGrid {
  /// The reference: one Bresenham ray per point from the sensor cell, clipped at the window.
  mutating func castPerPointFreeSpace(
    count: Int, band: HeightBand, floor: ObstacleFloor?, maximumRange: Float,
    report: inout LidarUpdateReport,
    position: (Int) -> (x: Float, y: Float, z: Float)
  ) {
    let window = WindowPlacement(self)
    let c0 = window.sensorColumn
    let r0 = window.sensorRow
    var ignored = LidarUpdateReport()
    withCells { cells in
      for index in 0..<count {
        let p = position(index)
        guard
          let isObstacle = Self.classify(
            p, band: band, floor: floor, maximumRange: maximumRange, report: &ignored)
        else { continue }
        let (offsetColumn, offsetRow) = window.offset(x: p.x, y: p.y)
        let c1 = c0 &+ offsetColumn
        let r1 = r0 &+ offsetRow
        let dc = abs(c1 - c0)
        let dr = -abs(r1 - r0)
        let stepC = c0 < c1 ? 1 : -1
        let stepR = r0 < r1 ? 1 : -1
        var error = dc + dr
        var c = c0
        var r = r0
        while true {
          let atEnd = c == c1 && r == r1
          if atEnd && isObstacle { break }
          guard window.contains(column: c, row: r) else { break }
          cells.miss(window.storedIndex(column: c, row: r))
          if atEnd { break }
          let twice = 2 &* error
          if twice >= dr {
            error &+= dr
            c &+= stepC
          }
          if twice <= dc {
            error &+= dc
            r &+= stepR
          }
        }
        report.freeSpaceUnits &+= max(dc, -dr) + 1
      }
      report.cellsUpdated &+= cells.updated
    }
  }
}

/// Where sensor-relative points land this frame: their cell offset from the sensor cell, and
/// the storage index of a window cell. One place for the arithmetic both casters share.
struct WindowPlacement {
  let inverseResolution: Float
  let fractionX: Float
  let fractionY: Float
  let sensorColumn: Int
  let sensorRow: Int
  let columns: Int
  let rows: Int
  let rowOffset: Int
  let columnOffset: Int

  init(_ grid: OccupancyGrid) {
    inverseResolution = 1 / grid.geometry.resolution
    fractionX = grid.sensorFractionX
    fractionY = grid.sensorFractionY
    sensorColumn = grid.geometry.sensorColumn
    sensorRow = grid.geometry.sensorRow
    columns = grid.geometry.columns
    rows = grid.geometry.rows
    rowOffset = grid.rowOffset
    columnOffset = grid.columnOffset
  }

  /// Cells from the sensor cell to the one holding (x, y) metres (validated, |x|, |y| < 1e5).
  @inline(__always) func offset(x: Float, y: Float) -> (Int, Int) {
    (Self.floor(fractionX + x * inverseResolution), Self.floor(fractionY + y * inverseResolution))
  }

  /// ⌊v⌋ for |v| < 2^31 by truncation: `rounded(.down)` is a libm call per coordinate.
  @inline(__always) static func floor(_ v: Float) -> Int {
    let truncated = Int(v)
    return v < Float(truncated) ? truncated - 1 : truncated
  }

  @inline(__always) func contains(column: Int, row: Int) -> Bool {
    column >= 0 && column < columns && row >= 0 && row < rows
  }

  @inline(__always) func storedIndex(column: Int, row: Int) -> Int {
    OccupancyGrid.storedIndex(
      column: column, row: row, columnOffset: columnOffset, rowOffset: rowOffset,
      columns: columns, rows: rows)
  }
}
