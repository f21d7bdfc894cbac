// SightlineGrid: the ego-centred occupancy grid. Pure: points in, cells out.
// Cells hold log-odds; a cell never observed stays unknown, distinct from free and occupied.
// This is the walking-skeleton grid: the ego sits at the centre and the window does not roll
// yet; [E] adds the circular-buffer window, decay, the V2X layer and the enforced budget.

/// Log-odds increments and clamps; OctoMap's defaults.
public struct LogOddsModel: Sendable, Equatable {
  public var hit: Float = 0.85
  public var miss: Float = -0.4
  public var minimum: Float = -2
  public var maximum: Float = 3.5
  public init() {}
}

/// Which points of a sweep count as obstacles, relative to the sensor origin.
public struct HeightBand: Sendable, Equatable {
  /// Below this (metres, sensor frame z) a return is ground: the ray to it is free.
  public var minimum: Float
  /// Above this a return is an overhang and is ignored.
  public var maximum: Float
  public init(minimum: Float, maximum: Float) {
    self.minimum = minimum
    self.maximum = maximum
  }
}

public struct GridGeometry: Sendable, Equatable {
  public var columns: Int
  public var rows: Int
  public var resolution: Float
  public init(columns: Int, rows: Int, resolution: Float) {
    self.columns = columns
    self.rows = rows
    self.resolution = resolution
  }
  public var cellCount: Int { columns * rows }
  /// Position of the corner of cell (0, 0) relative to the ego, metres: the grid is centred.
  public var originX: Float { -Float(columns) * resolution / 2 }
  public var originY: Float { -Float(rows) * resolution / 2 }
}

public struct CellCounts: Sendable, Equatable {
  public var occupied = 0
  public var free = 0
  public var unknown = 0
  public init(occupied: Int = 0, free: Int = 0, unknown: Int = 0) {
    self.occupied = occupied
    self.free = free
    self.unknown = unknown
  }
}

/// What one sweep did to the grid.
public struct GridUpdateResult: Sendable, Equatable {
  public var pointsUsed = 0
  public var pointsGround = 0
  public var pointsOverhang = 0
  public var pointsRejected = 0
  public var cellsTouched = 0
}

public struct OccupancyGrid: Sendable {
  public let geometry: GridGeometry
  public let model: LogOddsModel
  public private(set) var logOdds: [Float]
  public private(set) var observed: [Bool]
  /// nav_msgs cells kept up to date for the cells each sweep touches, so a frame never walks
  /// the whole grid to publish it.
  public private(set) var occupancy: [Int8]
  /// Occupied, free and unknown cells, kept up to date the same way.
  public private(set) var cellCounts: CellCounts
  // Per-sweep scratch: each cell is updated at most once per sweep, occupied over free.
  var sweepMark: [UInt8]
  /// Cells marked this sweep, the first `touchedCount` of a grid-sized array that never grows.
  var touched: [Int32]
  var touchedCount = 0
  /// Polar casting: per azimuth bin, how far free space was seen this sweep.
  var binReach: [Float] = []

  static let markNone: UInt8 = 0
  static let markFree: UInt8 = 1
  static let markOccupied: UInt8 = 2

  public init(geometry: GridGeometry, model: LogOddsModel = LogOddsModel()) {
    self.geometry = geometry
    self.model = model
    logOdds = Array(repeating: 0, count: geometry.cellCount)
    observed = Array(repeating: false, count: geometry.cellCount)
    occupancy = Array(repeating: -1, count: geometry.cellCount)
    cellCounts = CellCounts(unknown: geometry.cellCount)
    sweepMark = Array(repeating: Self.markNone, count: geometry.cellCount)
    touched = Array(repeating: 0, count: geometry.cellCount)
  }

  /// How free space is cast.
  public enum RayCasting: Sendable {
    /// One ray per point: the reference, and what the naive baseline does.
    case perPoint
    /// One ray per azimuth bin, as far as the farthest return in it (Autoware's polar
    /// approach): the space near the sensor is walked once instead of once per point. Bins are
    /// narrow enough (`binsPerTurn`) that neighbouring rays stay within a cell of each other
    /// out to `resolution · binsPerTurn / 2π` metres.
    case polar(binsPerTurn: Int)
  }

  /// Integrates one sweep of points given in the ego frame, with the sensor at the grid centre.
  /// Cells crossed by a ray are free; the endpoint cell of an obstacle return is occupied, and
  /// wins over free within the sweep; each cell is updated once per sweep.
  public mutating func integrate<Points: Collection>(
    _ points: Points, band: HeightBand, rays: RayCasting = .polar(binsPerTurn: 3600),
    position: (Points.Element) -> (x: Float, y: Float, z: Float)
  ) -> GridUpdateResult {
    // A convenience for tests and tools: it copies the points; the runtime calls the
    // non-generic form below, which allocates nothing.
    let elements = Array(points)
    return integrate(count: elements.count, band: band, rays: rays) { position(elements[$0]) }
  }

  /// The same, non-generic: `position(i)` gives point i. The hot path; no allocation.
  public mutating func integrate(
    count: Int, band: HeightBand, rays: RayCasting = .polar(binsPerTurn: 3600),
    position: (Int) -> (x: Float, y: Float, z: Float)
  ) -> GridUpdateResult {
    var result = GridUpdateResult()
    let inverseResolution = 1 / geometry.resolution
    let originColumn = geometry.columns / 2
    let originRow = geometry.rows / 2
    let binCount: Int
    switch rays {
    case .perPoint: binCount = 0
    case .polar(let bins): binCount = bins
    }
    if binCount > 0 && binReach.count != binCount {
      binReach = [Float](repeating: 0, count: binCount)  // once, when the mode is chosen
    }
    let binsPerRadian = Float(binCount) / (2 * .pi)
    let columns = geometry.columns
    let rows = geometry.rows
    let resolution = geometry.resolution
    // Beyond this a return cannot be a real LiDAR point, and converting it to a cell index
    // would overflow: it is rejected like a NaN.
    let farthest: Float = 100_000
    var touchedSoFar = touchedCount
    for index in 0..<count {
      let p = position(index)
      guard p.x.isFinite, p.y.isFinite, p.z.isFinite, abs(p.x) < farthest, abs(p.y) < farthest
      else {
        result.pointsRejected += 1
        continue
      }
      if p.z > band.maximum {
        result.pointsOverhang += 1
        continue
      }
      let isObstacle = p.z >= band.minimum
      if isObstacle { result.pointsUsed += 1 } else { result.pointsGround += 1 }
      let column = Int((p.x * inverseResolution).rounded(.down)) &+ originColumn
      let row = Int((p.y * inverseResolution).rounded(.down)) &+ originRow
      if binCount == 0 {
        touchedCount = touchedSoFar
        traceRay(
          fromColumn: originColumn, row: originRow, toColumn: column, row: row,
          endpointOccupied: isObstacle)
        touchedSoFar = touchedCount
        continue
      }
      // Polar: remember how far this bearing is seen free; the endpoint is marked now.
      var bin = Int((fastAtan2(p.y, p.x) + .pi) * binsPerRadian)
      if bin >= binCount { bin -= binCount }
      let reach = (p.x * p.x + p.y * p.y).squareRoot()
      // Free up to the return: the obstacle's own cell is not free, ground's is.
      let freeReach = isObstacle ? reach - resolution : reach
      binReach.withUnsafeMutableBufferPointer { reaches in
        if freeReach > reaches[bin] { reaches[bin] = freeReach }
      }
      guard column >= 0, column < columns, row >= 0, row < rows else { continue }
      let cell = row &* columns &+ column
      let value = isObstacle ? Self.markOccupied : Self.markFree
      sweepMark.withUnsafeMutableBufferPointer { marks in
        let current = marks[cell]
        if current == Self.markNone {
          touched.withUnsafeMutableBufferPointer {
            $0[touchedSoFar] = Int32(truncatingIfNeeded: cell)
          }
          touchedSoFar &+= 1
        }
        if value > current { marks[cell] = value }
      }
    }
    touchedCount = touchedSoFar
    if binCount > 0 {
      let binWidth = 2 * Float.pi / Float(binCount)
      for bin in 0..<binCount where binReach[bin] > 0 {
        let angle = (Float(bin) + 0.5) * binWidth - .pi
        let reach = binReach[bin] * inverseResolution
        let column = Int((cosf(angle) * reach).rounded(.down)) + originColumn
        let row = Int((sinf(angle) * reach).rounded(.down)) + originRow
        traceRay(
          fromColumn: originColumn, row: originRow, toColumn: column, row: row,
          endpointOccupied: false)
        binReach[bin] = 0
      }
    }
    result.cellsTouched = touchedCount
    applySweep()
    return result
  }

  /// atan2 within about 1e-4 rad, several times cheaper than the libm one; plenty for binning.
  @inline(__always) func fastAtan2(_ y: Float, _ x: Float) -> Float {
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

  /// Marks the cells from the origin towards the endpoint as free, stopping at the grid edge,
  /// and the endpoint as occupied (or free for ground) when it lies inside the grid.
  mutating func traceRay(
    fromColumn c0: Int, row r0: Int, toColumn c1: Int, row r1: Int,
    endpointOccupied: Bool
  ) {
    let columns = geometry.columns
    let rows = geometry.rows
    let dc = abs(c1 - c0)
    let dr = -abs(r1 - r0)
    let stepC = c0 < c1 ? 1 : -1
    let stepR = r0 < r1 ? 1 : -1
    var count = touchedCount
    let leftGrid: Bool = sweepMark.withUnsafeMutableBufferPointer { marks in
      touched.withUnsafeMutableBufferPointer { touchedCells in
        var error = dc + dr
        var c = c0
        var r = r0
        while c != c1 || r != r1 {
          guard c >= 0, c < columns, r >= 0, r < rows else { return true }
          let index = r &* columns &+ c
          if marks[index] == Self.markNone {
            marks[index] = Self.markFree
            touchedCells[count] = Int32(truncatingIfNeeded: index)
            count &+= 1
          }
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
        return false
      }
    }
    touchedCount = count
    guard !leftGrid, c1 >= 0, c1 < columns, r1 >= 0, r1 < rows else { return }
    mark(r1 * columns + c1, endpointOccupied ? Self.markOccupied : Self.markFree)
  }

  @inline(__always) mutating func mark(_ index: Int, _ value: UInt8) {
    let current = sweepMark[index]
    if current == Self.markNone {
      touched[touchedCount] = Int32(truncatingIfNeeded: index)
      touchedCount += 1
    }
    if value > current { sweepMark[index] = value }
  }

  mutating func applySweep() {
    let (hit, miss, low, high) = (model.hit, model.miss, model.minimum, model.maximum)
    let count = touchedCount
    var counts = cellCounts
    touched.withUnsafeBufferPointer { touchedCells in
      logOdds.withUnsafeMutableBufferPointer { odds in
        observed.withUnsafeMutableBufferPointer { seen in
          sweepMark.withUnsafeMutableBufferPointer { marks in
            occupancy.withUnsafeMutableBufferPointer { cells in
              for slot in 0..<count {
                let index = Int(touchedCells[slot])
                if !seen[index] {
                  counts.unknown -= 1
                } else if odds[index] > 0 {
                  counts.occupied -= 1
                } else {
                  counts.free -= 1
                }
                let delta = marks[index] == Self.markOccupied ? hit : miss
                let updated = min(max(odds[index] + delta, low), high)
                odds[index] = updated
                seen[index] = true
                marks[index] = Self.markNone
                if updated > 0 { counts.occupied += 1 } else { counts.free += 1 }
                cells[index] = Self.occupancyPercent(updated)
              }
            }
          }
        }
      }
    }
    cellCounts = counts
    touchedCount = 0
  }

  @inline(__always) static func occupancyPercent(_ logOdds: Float) -> Int8 {
    Int8((100 / (1 + expf(-logOdds))).rounded())
  }

  /// Counts by walking every cell: the reference that `cellCounts` is tested against.
  /// Occupied: observed with log-odds above 0 (p > 0.5). Free: observed, at or below 0.
  public func counts() -> CellCounts {
    var counts = CellCounts()
    for index in 0..<geometry.cellCount {
      if !observed[index] {
        counts.unknown += 1
      } else if logOdds[index] > 0 {
        counts.occupied += 1
      } else {
        counts.free += 1
      }
    }
    return counts
  }

  /// Writes the grid as nav_msgs/OccupancyGrid cells: row-major from cell (0, 0), −1 unknown,
  /// 0...100 occupancy probability. `cells` must hold `geometry.cellCount` values.
  public func writeOccupancy(into cells: UnsafeMutableBufferPointer<Int8>) {
    precondition(cells.count >= geometry.cellCount)
    occupancy.withUnsafeBufferPointer { source in
      _ = cells.initialize(from: source)
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
