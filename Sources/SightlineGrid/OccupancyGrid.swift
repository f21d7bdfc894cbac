// SightlineGrid: the ego-centred rolling occupancy grid. Pure: points in, cells out; no I/O.
//
// The map is storage and geometry only (as in grid_map): log-odds cells in a circular buffer
// indexed by world cell (world cell (i, j) is stored at (j mod rows, i mod columns)), so
// scrolling with the ego moves no cells; only the strips that leave the window are cleared. The
// window is re-linearised only for output. A cell never observed is unknown, distinct from free
// and occupied, and cells not observed for a while decay back to unknown.
// Integrating a sweep is separate from the map (as in OctoMap): `LidarUpdater` owns one frame's
// scratch and applies the update; `PolarFreeSpace` casts free space, `PerPointRays` is the
// reference it is tested against.

public struct OccupancyGrid: Sendable {
  public let geometry: GridGeometry
  public let model: LogOddsModel
  /// World cell index of window cell (0, 0).
  public private(set) var cornerColumn: Int
  public private(set) var cornerRow: Int
  /// The sensor's position inside its cell, in cells, [0, 1): points are placed relative to it.
  public private(set) var sensorFractionX: Float = 0.5
  public private(set) var sensorFractionY: Float = 0.5
  /// Log-odds per stored cell in thousandths, `unknownLogOdds` while unknown: integer
  /// arithmetic is exact on every machine, and two bytes a cell halve the memory each frame
  /// streams through. This is the cell's state; `occupancy` only mirrors it for output.
  var logOdds: [Int16]
  static let unknownLogOdds = Int16.min
  let fixed: FixedLogOdds
  /// nav_msgs occupancy per stored cell: −1 unknown, 0...100. Kept current as cells change so
  /// that output is a copy, never a recomputation.
  var occupancy: [Int8]
  /// Per run of 16 stored cells, how many sit at the free clamp. A full run cannot change under
  /// free space, so the free-space pass skips it without reading its cells: in steady state most
  /// of the window is such runs. Map state, not scratch: every change to a cell keeps it current.
  var saturatedInRun: [UInt8]
  static let runShift = 4
  public private(set) var cellCounts: CellCounts
  /// Sensor time each decay stripe was last decayed at.
  var stripeDecayedAt: [Int64]
  var nextStripe = 0
  /// Log-odds (thousandths, from the minimum) → occupancy percent: expf per cell would
  /// dominate a frame.
  let percentTable: [Int8]

  public init(geometry: GridGeometry, model: LogOddsModel = LogOddsModel()) {
    precondition(geometry.columns > 0 && geometry.rows > 0 && geometry.resolution > 0)
    self.geometry = geometry
    self.model = model
    cornerColumn = -geometry.sensorColumn
    cornerRow = -geometry.sensorRow
    logOdds = Array(repeating: Self.unknownLogOdds, count: geometry.cellCount)
    occupancy = Array(repeating: -1, count: geometry.cellCount)
    saturatedInRun = Array(repeating: 0, count: (geometry.cellCount + 15) >> Self.runShift)
    cellCounts = CellCounts(unknown: geometry.cellCount)
    stripeDecayedAt = Array(repeating: .min, count: Self.decayStripes)
    let fixed = FixedLogOdds(model)
    self.fixed = fixed
    percentTable = (fixed.minimum...fixed.maximum).map { milli in
      Self.publishedPercent(logOdds: Float(milli) / 1000)
    }
  }

  // MARK: Addressing

  @inline(__always) static func wrap(_ value: Int, _ size: Int) -> Int {
    let m = value % size
    return m < 0 ? m + size : m
  }

  /// Storage index of window cell (column, row).
  @inline(__always) public func storageIndex(column: Int, row: Int) -> Int {
    Self.storedIndex(
      column: column, row: row, columnOffset: columnOffset, rowOffset: rowOffset,
      columns: geometry.columns, rows: geometry.rows)
  }

  /// The window cell holding world point (x, y) metres, if inside the window.
  public func windowCell(x: Double, y: Double) -> (column: Int, row: Int)? {
    let resolution = Double(geometry.resolution)
    guard x.isFinite, y.isFinite, abs(x) < 1e12, abs(y) < 1e12 else { return nil }
    let column = Int((x / resolution).rounded(.down)) - cornerColumn
    let row = Int((y / resolution).rounded(.down)) - cornerRow
    guard column >= 0, column < geometry.columns, row >= 0, row < geometry.rows else { return nil }
    return (column, row)
  }

  public func state(column: Int, row: Int) -> CellState {
    let index = storageIndex(column: column, row: row)
    let value = logOdds[index]
    if value == Self.unknownLogOdds { return .unknown }
    return value > 0 ? .occupied : .free
  }

  /// The state of the cell holding world point (x, y); unknown outside the window.
  public func state(x: Double, y: Double) -> CellState {
    guard let cell = windowCell(x: x, y: y) else { return .unknown }
    return state(column: cell.column, row: cell.row)
  }

  /// Log-odds of a window cell; nil while unknown.
  public func logOdds(column: Int, row: Int) -> Float? {
    let value = logOdds[storageIndex(column: column, row: row)]
    return value == Self.unknownLogOdds ? nil : Float(value) / 1000
  }

  /// World position (metres) of the corner of window cell (0, 0).
  public var cornerX: Double { Double(cornerColumn) * Double(geometry.resolution) }
  public var cornerY: Double { Double(cornerRow) * Double(geometry.resolution) }

  // MARK: Scrolling

  /// Scrolls the window so that world point (x, y) (metres) lies in the sensor cell. Only the
  /// strips that leave the window are touched; a move of a whole window or more clears it.
  /// Returns the number of cells cleared.
  @discardableResult
  public mutating func recentre(x: Double, y: Double) -> Int {
    let resolution = Double(geometry.resolution)
    guard x.isFinite, y.isFinite, abs(x) < 1e12, abs(y) < 1e12 else { return 0 }
    let cellX = (x / resolution).rounded(.down)
    let cellY = (y / resolution).rounded(.down)
    sensorFractionX = Float(x / resolution - cellX)
    sensorFractionY = Float(y / resolution - cellY)
    let newColumn = Int(cellX) - geometry.sensorColumn
    let newRow = Int(cellY) - geometry.sensorRow
    let dx = newColumn - cornerColumn
    let dy = newRow - cornerRow
    guard dx != 0 || dy != 0 else { return 0 }
    let columns = geometry.columns
    let rows = geometry.rows
    var cleared = 0
    let oldColumn = cornerColumn
    let oldRow = cornerRow
    if abs(dx) >= columns || abs(dy) >= rows {
      cleared = geometry.cellCount - cellCounts.unknown
      reset()
    } else {
      withCells { cells in
        // Columns leaving: world columns [old, new) when moving east, [new + W, old + W) west.
        for k in 0..<abs(dx) {
          let world = dx > 0 ? oldColumn + k : newColumn + columns + k
          let column = Self.wrap(world, columns)
          for row in 0..<rows { cells.clear(row &* columns &+ column) }
        }
        for k in 0..<abs(dy) {
          let world = dy > 0 ? oldRow + k : newRow + rows + k
          let base = Self.wrap(world, rows) * columns
          for column in 0..<columns { cells.clear(base &+ column) }
        }
        cleared = cells.updated
      }
    }
    cornerColumn = newColumn
    cornerRow = newRow
    return cleared
  }

  /// Forgets everything: every cell unknown.
  public mutating func reset() {
    for index in 0..<geometry.cellCount {
      logOdds[index] = Self.unknownLogOdds
      occupancy[index] = -1
    }
    saturatedInRun.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    cellCounts = CellCounts(unknown: geometry.cellCount)
  }

  // MARK: Decay

  /// Stripes of rows decayed in turn, one per frame: the whole grid every frame would cost a
  /// full pass; the elapsed time since a stripe's last decay keeps the rate exact.
  static let decayStripes = 4

  /// Moves unobserved evidence toward unknown: log-odds shrink toward 0 at `maximum / seconds`
  /// per second, so a fully confident cell not observed for `seconds` becomes unknown.
  /// Call before the frame's observations. Returns the cells visited (work units).
  @discardableResult
  public mutating func decay(now: Int64, unknownAfterSeconds seconds: Double) -> Int {
    guard seconds > 0, seconds.isFinite else { return 0 }
    let stripe = nextStripe
    nextStripe = (nextStripe + 1) % Self.decayStripes
    let last = stripeDecayedAt[stripe]
    stripeDecayedAt[stripe] = now
    guard last != .min, now > last else { return 0 }
    let step = Int32(
      min(Double(now - last) / 1e9 / seconds * Double(fixed.maximum), Double(Int16.max)))
    guard step > 0 else { return 0 }
    let columns = geometry.columns
    let rows = geometry.rows
    var visited = 0
    withCells { cells in
      var row = stripe
      while row < rows {
        let base = row &* columns
        for index in base..<(base &+ columns) { cells.decay(index, by: step) }
        visited &+= columns
        row &+= Self.decayStripes
      }
    }
    return visited
  }

  // MARK: Output

  /// Writes the window as nav_msgs/OccupancyGrid cells: row-major from window cell (0, 0),
  /// −1 unknown, 0...100 occupancy probability. Two copies per row undo the circular offset.
  public func writeOccupancy(into cells: UnsafeMutableBufferPointer<Int8>) {
    linearise(occupancy, into: cells)
  }

  /// Writes the window's log-odds (thousandths; `Int16.min` unknown), row-major from (0, 0).
  public func writeLogOdds(into cells: UnsafeMutableBufferPointer<Int16>) {
    linearise(logOdds, into: cells)
  }

  /// Copies a storage-ordered layer into window order: two copies per row.
  func linearise<Cell>(_ storage: [Cell], into cells: UnsafeMutableBufferPointer<Cell>) {
    precondition(cells.count >= geometry.cellCount)
    let columns = geometry.columns
    let columnOffset = Self.wrap(cornerColumn, columns)
    let head = columns - columnOffset
    storage.withUnsafeBufferPointer { source in
      guard let from = source.baseAddress, let to = cells.baseAddress else { return }
      for row in 0..<geometry.rows {
        let stored = from + Self.wrap(cornerRow + row, geometry.rows) * columns
        let out = to + row * columns
        (out).update(from: stored + columnOffset, count: head)
        (out + head).update(from: stored, count: columnOffset)
      }
    }
  }

  /// Counts by walking every cell: the reference that `cellCounts` is tested against.
  public func counts() -> CellCounts {
    var counts = CellCounts()
    for index in 0..<geometry.cellCount {
      if logOdds[index] == Self.unknownLogOdds {
        counts.unknown += 1
      } else if logOdds[index] > 0 {
        counts.occupied += 1
      } else {
        counts.free += 1
      }
    }
    return counts
  }

  // MARK: Raw access (the map's own passes, and the updaters')

  /// Storage row and column offsets of window cell (0, 0): adding them and subtracting the
  /// size once replaces a division per point.
  var rowOffset: Int { Self.wrap(cornerRow, geometry.rows) }
  var columnOffset: Int { Self.wrap(cornerColumn, geometry.columns) }

  /// Storage index of window cell (column, row), both inside the window, without division.
  @inline(__always) static func storedIndex(
    column: Int, row: Int, columnOffset: Int, rowOffset: Int, columns: Int, rows: Int
  ) -> Int {
    var r = row &+ rowOffset
    if r >= rows { r &-= rows }
    var c = column &+ columnOffset
    if c >= columns { c &-= columns }
    return r &* columns &+ c
  }

  /// Runs `body` with raw access to the cells; counts are folded back afterwards. The one door
  /// through which anything changes cells, so that the derived state stays in step.
  mutating func withCells<R>(_ body: (inout CellUpdater) -> R) -> R {
    let model = fixed
    var counts = cellCounts
    let result = percentTable.withUnsafeBufferPointer { percent in
      logOdds.withUnsafeMutableBufferPointer { odds in
        occupancy.withUnsafeMutableBufferPointer { cells in
          saturatedInRun.withUnsafeMutableBufferPointer { saturated in
            var updater = CellUpdater(
              logOdds: odds.baseAddress!, occupancy: cells.baseAddress!,
              saturated: saturated.baseAddress!, percent: percent.baseAddress!,
              model: model, counts: counts)
            let result = body(&updater)
            counts = updater.counts
            return result
          }
        }
      }
    }
    cellCounts = counts
    return result
  }
}

/// The log-odds model in thousandths, as the cells store it.
struct FixedLogOdds: Sendable, Equatable {
  var hit: Int32
  var miss: Int32
  var minimum: Int32
  var maximum: Int32
  init(_ model: LogOddsModel) {
    func milli(_ value: Float) -> Int32 { Int32((value * 1000).rounded()) }
    hit = milli(model.hit)
    miss = milli(model.miss)
    // Clamps stay inside Int16 whatever the configuration says.
    minimum = max(milli(model.minimum), -30_000)
    maximum = min(milli(model.maximum), 30_000)
  }
}
