// Free space is cast polar, as Autoware does, but without walking rays: each azimuth bin keeps
// how far it saw, and every cell knows (from `PolarTables`, built once) which bins cross it the
// way a Bresenham ray would and how far it is from the sensor. A cell is free when one of its
// bins reaches past it. Cells are visited in runs sorted near to far, so the work is
// proportional to the free area, not to points × range, and a budget can stop it at a known
// distance.

/// The polar caster's scratch: the tables and the per-bin reach the endpoint pass raises. The
/// cells it frees belong to the grid it is given.
struct PolarFreeSpace: Sendable {
  private(set) var tables: PolarTables?
  /// The sparse reach table, `levels` × `bins`, squared cells. Level 0 is this frame's reach
  /// per bin: raised by the endpoint pass, zero again once the frame is over.
  var reach: [Float] = []

  var bins: Int { tables?.bins ?? 0 }

  init() {}

  /// A caster with `other`'s tables (shared, not copied) and a reach of its own.
  init(sharing other: PolarFreeSpace) {
    tables = other.tables
    reach = [Float](repeating: 0, count: other.reach.count)
  }

  /// Builds the tables (once per geometry and bin count: this is the expensive part).
  mutating func prepare(geometry: GridGeometry, binsPerTurn bins: Int) {
    if tables?.bins != bins || tables?.geometry != geometry {
      let built = PolarTables(geometry: geometry, binsPerTurn: bins)
      tables = built
      reach = [Float](repeating: 0, count: bins * built.levels)
    }
  }

  /// Forgets this frame's reach without casting it (the frame cast no free space).
  mutating func clearReach() {
    let bins = bins
    reach.withUnsafeMutableBufferPointer { reach in
      for bin in 0..<min(bins, reach.count) { reach[bin] = 0 }
    }
  }

  /// atan2 within about 1e-4 rad, several times cheaper than libm's; plenty for binning.
  @inline(__always) static func fastAtan2(_ y: Float, _ x: Float) -> Float {
    guard abs(x) > 0 || abs(y) > 0 else { return 0 }
    return fastAtan2(nonZero: y, x)
  }

  /// `fastAtan2` when x and y are not both zero: no branch, so that a batch overlaps.
  @inline(__always) static func fastAtan2(nonZero y: Float, _ x: Float) -> Float {
    let ax = abs(x)
    let ay = abs(y)
    let a = min(ax, ay) / max(ax, ay)
    let s = a * a
    var r = ((-0.046_496_474_9 * s + 0.159_314_22) * s - 0.327_622_764) * s * a + a
    if ay > ax { r = .pi / 2 - r }
    if x < 0 { r = .pi - r }
    return y < 0 ? -r : r
  }

  /// Free space from the bins' reach, run by run, near to far, until the budget runs out.
  /// Cells an obstacle `claimed` this frame are left for their hit.
  /// `origin` is the sensor's cell offset from the window's centre cell (a sensor mounted
  /// away from the vehicle's origin casts from its own cell; the tables are relative).
  mutating func cast(
    into grid: inout OccupancyGrid, claimed: [UInt64], origin: (column: Int, row: Int) = (0, 0),
    budget: inout WorkBudget, report: inout LidarUpdateReport
  ) {
    guard let tables else { return }
    var reachTable = reach
    reach = []  // moved out for exclusive access; put back below
    reachTable.withUnsafeMutableBufferPointer { Self.fillSparseLevels($0, tables: tables) }
    let unitsBefore = budget.unitsSpent
    var stoppedAt: Float?
    let placement = WindowPlacement(grid)
    grid.withCells { cells in
      reachTable.withUnsafeBufferPointer { table in
        tables.cells.withUnsafeBufferPointer { cellRays in
          tables.runs.withUnsafeBufferPointer { runs in
            claimed.withUnsafeBufferPointer { claimed in
              let pass = Pass(
                cells: cells, table: table, cellRays: cellRays, claimed: claimed.baseAddress!,
                placement: placement, origin: origin)
              stoppedAt = Self.castRuns(runs, pass: pass, budget: &budget, cells: &cells)
            }
          }
        }
      }
      report.cellsUpdated &+= cells.updated
    }
    // Only free-space units were spent in between: back to their count.
    report.freeSpaceUnits = (budget.unitsSpent - unitsBefore) / budget.costs.freeSpaceCell
    if let stoppedAt {
      report.freeSpaceReachMeters = stoppedAt * grid.geometry.resolution
      report.degradation = stoppedAt <= 1 ? .endpointsOnly : .freeSpaceTruncated
    }
    // Level 0 is this frame's reach per bin; clear it for the next frame.
    for bin in 0..<tables.bins { reachTable[bin] = 0 }
    reach = reachTable
  }

  /// The sparse table: level l holds the maximum over 2^l bins from each bin, wrapping, so the
  /// maximum over any run of bins is two reads.
  static func fillSparseLevels(_ table: UnsafeMutableBufferPointer<Float>, tables: PolarTables) {
    let bins = tables.bins
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

  /// The runs near to far, checking the budget every 64 runs. Returns the inner edge (cells) of
  /// the ring where the budget stopped it, nil when complete. Inlined, so that `pass` and the
  /// tally live in registers.
  @inline(__always) static func castRuns(
    _ runs: UnsafeBufferPointer<PolarTables.Run>, pass: Pass, budget: inout WorkBudget,
    cells: inout CellUpdater
  ) -> Float? {
    let runsPerCheck = 64
    var stoppedAt: Float?
    var tally = MissTally()
    var units = 0
    for (number, run) in runs.enumerated() {
      if number % runsPerCheck == 0 {
        if !budget.allowsMore(afterSpending: units, of: .freeSpaceCell) {
          // Rings before this one are complete: free space is cast out to its inner edge in
          // every direction.
          stoppedAt = Float(PolarTables.ringStarts[Int(run.ring)])
          break
        }
        units = 0
      }
      units &+= 1
      let runReach = max(pass.table[Int(run.reachA)], pass.table[Int(run.reachB)])
      guard runReach > run.minimumRange else { continue }
      // The run in window cells: moved by the sensor's offset, cut at the window's edges.
      let row = Int(run.row) &+ pass.shiftRow
      let first = max(Int(run.column), -pass.shiftColumn)
      let last = min(Int(run.column) &+ Int(run.columns), pass.columns &- pass.shiftColumn)
      guard row >= 0, row < pass.rows, first < last else { continue }
      let stored = pass.storedRowStart(row)
      let storedFirst = pass.storedColumn(first &+ pass.shiftColumn)
      if pass.isSaturated(stored &+ storedFirst, storedFirst: storedFirst, length: last &- first) {
        units &+= 1
        continue
      }
      pass.miss(
        run, rays: number &* PolarTables.runLength, columns: first..<last, stored: stored,
        storedFirst: storedFirst, tally: &tally)
      units &+= last &- first
    }
    _ = budget.allowsMore(afterSpending: units, of: .freeSpaceCell)
    tally.fold(into: &cells)
    return stoppedAt
  }

  /// What the run loop reads, unpacked once per frame.
  struct Pass {
    let odds: UnsafeMutablePointer<Int16>
    let occupancy: UnsafeMutablePointer<Int8>
    let percent: UnsafePointer<Int8>
    let saturated: UnsafeMutablePointer<UInt8>
    let claimed: UnsafePointer<UInt64>
    let table: UnsafeBufferPointer<Float>
    let cellRays: UnsafeBufferPointer<PolarTables.CellRay>
    let miss: Int32
    let lowest: Int32
    let lowest16: Int16
    let columns: Int
    let rows: Int
    let rowOffset: Int
    let columnOffset: Int
    let sensorColumn: Int
    let sensorRow: Int
    /// The casting sensor's cell offset from the centre cell (the tables' origin).
    let shiftColumn: Int
    let shiftRow: Int

    @inline(__always) init(
      cells: CellUpdater, table: UnsafeBufferPointer<Float>,
      cellRays: UnsafeBufferPointer<PolarTables.CellRay>, claimed: UnsafePointer<UInt64>,
      placement: WindowPlacement, origin: (column: Int, row: Int)
    ) {
      odds = cells.logOdds
      occupancy = cells.occupancy
      percent = cells.percent
      saturated = cells.saturated
      self.claimed = claimed
      self.table = table
      self.cellRays = cellRays
      miss = cells.model.miss
      lowest = cells.model.minimum
      lowest16 = Int16(truncatingIfNeeded: lowest)
      columns = placement.columns
      rows = placement.rows
      rowOffset = placement.rowOffset
      columnOffset = placement.columnOffset
      sensorColumn = placement.sensorColumn
      sensorRow = placement.sensorRow
      shiftColumn = origin.column
      shiftRow = origin.row
    }

    /// Storage index of the first cell of window row `row`.
    @inline(__always) func storedRowStart(_ row: Int) -> Int {
      var storedRow = row &+ rowOffset
      if storedRow >= rows { storedRow &-= rows }
      return storedRow &* columns
    }

    /// Storage column of window column `column`.
    @inline(__always) func storedColumn(_ column: Int) -> Int {
      var stored = column &+ columnOffset
      if stored >= columns { stored &-= columns }
      return stored
    }

    /// Whether the run's cells, if contiguous in storage, all sit at the free clamp: then free
    /// space cannot change them, and they are not read at all.
    @inline(__always) func isSaturated(_ start: Int, storedFirst: Int, length: Int) -> Bool {
      guard storedFirst &+ length <= columns else { return false }
      let firstRun = start &>> OccupancyGrid.runShift
      let lastRun = (start &+ length &- 1) &>> OccupancyGrid.runShift
      return saturated[firstRun] == 16 && saturated[lastRun] == 16
    }

    /// Misses every cell of the run that its bins reach past. This is the grid's hottest loop:
    /// the miss is inlined with register counters rather than going through `CellUpdater`.
    /// `rays` is where the run's cells start in `cellRays`; `columns` are the run's table
    /// columns inside the window, the first of them at `storedFirst`.
    @inline(__always) func miss(
      _ run: PolarTables.Run, rays: Int, columns tableColumns: Range<Int>, stored: Int,
      storedFirst: Int, tally: inout MissTally
    ) {
      let firstColumn = tableColumns.lowerBound
      let lastColumn = tableColumns.upperBound
      let shift = storedFirst &- firstColumn
      let rayBase = rays &- Int(run.column)
      let dr = Float(Int(run.row) &- sensorRow)
      let dr2 = dr * dr
      for column in firstColumn..<lastColumn {
        let ray = cellRays[rayBase &+ column]
        let dc = Float(column &- sensorColumn)
        if dc * dc + dr2 < max(table[Int(ray.reachA)], table[Int(ray.reachB)]) {
          var storedColumn = shift &+ column
          if storedColumn >= columns { storedColumn &-= columns }
          missCell(stored &+ storedColumn, tally: &tally)
        }
      }
    }

    @inline(__always) func missCell(_ index: Int, tally: inout MissTally) {
      let stored16 = odds[index]
      // Saturated free space stays as it is: no write, and no counts change.
      if stored16 == lowest16 { return }
      // A cell claimed by an obstacle this frame is left for its hit (occupied wins); only
      // cells about to change pay for this check.
      if claimed[index &>> 6] & (1 &<< UInt64(index & 63)) != 0 { return }
      let wasUnknown = stored16 == OccupancyGrid.unknownLogOdds
      let before = wasUnknown ? 0 : Int32(stored16)
      let after = max(before &+ miss, lowest)
      odds[index] = Int16(truncatingIfNeeded: after)
      if after == lowest { saturated[index &>> OccupancyGrid.runShift] &+= 1 }
      occupancy[index] = percent[Int(after &- lowest)]
      tally.record(wasUnknown: wasUnknown, before: before, after: after)
    }
  }

  /// The pass's count changes, kept in registers and folded into the cells' counts once.
  struct MissTally {
    var fromUnknown = 0
    var fromOccupied = 0
    var toOccupied = 0
    var missed = 0

    @inline(__always) mutating func record(wasUnknown: Bool, before: Int32, after: Int32) {
      fromUnknown &+= wasUnknown ? 1 : 0
      fromOccupied &+= !wasUnknown && before > 0 ? 1 : 0
      toOccupied &+= after > 0 ? 1 : 0
      missed &+= 1
    }

    @inline(__always) func fold(into cells: inout CellUpdater) {
      cells.counts.unknown &-= fromUnknown
      cells.counts.occupied &+= toOccupied &- fromOccupied
      cells.counts.free &+= (missed &- toOccupied) &- (missed &- fromUnknown &- fromOccupied)
      cells.updated &+= missed
    }
  }
}
