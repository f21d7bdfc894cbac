// The reference free-space caster: one Bresenham ray per point. `PolarFreeSpace` is tested
// against it, and the naive baseline works this way; it is not budgeted.

/// Per-point ray casting's scratch: which cells free space crossed this frame, so that rays
/// sharing a cell miss it once.
struct PerPointRays: Sendable {
  /// One bit a cell; sized by `prepare`, cleared at the start of each cast.
  var freedBits: [UInt64] = []

  mutating func prepare(cellCount: Int) {
    let words = (cellCount + 63) / 64
    if freedBits.count != words { freedBits = Array(repeating: 0, count: words) }
  }

  /// One ray per point from the sensor cell, clipped at the window. Obstacle rays stop before
  /// their endpoint, ground rays free it too; cells an obstacle `claimed` are left alone.
  mutating func cast(
    count: Int, band: HeightBand, floor: ObstacleFloor?, maximumRange: Float,
    claimed: [UInt64], into grid: inout OccupancyGrid, report: inout LidarUpdateReport,
    position: (Int) -> (x: Float, y: Float, z: Float)
  ) {
    let window = WindowPlacement(grid)
    var ignored = LidarUpdateReport()  // the endpoint pass already counted the points
    var freed = freedBits
    freedBits = []  // moved out for exclusive access; put back below
    freed.withUnsafeMutableBufferPointer { freed in
      freed.update(repeating: 0)
      claimed.withUnsafeBufferPointer { claimed in
        grid.withCells { cells in
          let marks = Marks(claimed: claimed.baseAddress!, freed: freed.baseAddress!)
          for index in 0..<count {
            let p = position(index)
            guard
              let isObstacle = LidarUpdater.classify(
                p, band: band, floor: floor, maximumRange: maximumRange, report: &ignored)
            else { continue }
            let (offsetColumn, offsetRow) = window.offset(x: p.x, y: p.y)
            report.freeSpaceUnits &+= Self.walk(
              toColumn: window.sensorColumn &+ offsetColumn, row: window.sensorRow &+ offsetRow,
              isObstacle: isObstacle, window: window, marks: marks, cells: &cells)
          }
          report.cellsUpdated &+= cells.updated
        }
      }
    }
    freedBits = freed
  }

  /// Misses the cells of one Bresenham ray from the sensor cell to (c1, r1), until it leaves
  /// the window. Returns the ray's length in cells (work units).
  @inline(__always) static func walk(
    toColumn c1: Int, row r1: Int, isObstacle: Bool, window: WindowPlacement,
    marks: Marks, cells: inout CellUpdater
  ) -> Int {
    let c0 = window.sensorColumn
    let r0 = window.sensorRow
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
      marks.miss(window.storedIndex(column: c, row: r), cells: &cells)
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
    return max(dc, -dr) + 1
  }

  /// The frame's claimed and freed bits, for a pass that may cross a cell more than once.
  struct Marks {
    let claimed: UnsafePointer<UInt64>
    let freed: UnsafeMutablePointer<UInt64>

    /// Free space through this cell: at most once a frame, and never over a claimed hit.
    @inline(__always) func miss(_ index: Int, cells: inout CellUpdater) {
      let bit: UInt64 = 1 &<< UInt64(index & 63)
      let word = freed[index &>> 6]
      guard (claimed[index &>> 6] | word) & bit == 0 else { return }
      freed[index &>> 6] = word | bit
      cells.missOnce(index)
    }
  }
}
