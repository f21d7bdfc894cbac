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
  // Per-sweep scratch: each cell is updated at most once per sweep, occupied over free.
  var sweepMark: [UInt8]
  var touched: [Int32]

  static let markNone: UInt8 = 0
  static let markFree: UInt8 = 1
  static let markOccupied: UInt8 = 2

  public init(geometry: GridGeometry, model: LogOddsModel = LogOddsModel()) {
    self.geometry = geometry
    self.model = model
    logOdds = Array(repeating: 0, count: geometry.cellCount)
    observed = Array(repeating: false, count: geometry.cellCount)
    sweepMark = Array(repeating: Self.markNone, count: geometry.cellCount)
    touched = []
    touched.reserveCapacity(geometry.cellCount)
  }

  /// Integrates one sweep of points given in the ego frame, with the sensor at the grid centre.
  /// Rays are straight lines (Bresenham) from the sensor cell; the cells they cross are free and
  /// the endpoint cell of an obstacle return is occupied.
  public mutating func integrate<Points: Collection>(
    _ points: Points, band: HeightBand, position: (Points.Element) -> (x: Float, y: Float, z: Float)
  ) -> GridUpdateResult {
    var result = GridUpdateResult()
    let inverseResolution = 1 / geometry.resolution
    let originColumn = geometry.columns / 2
    let originRow = geometry.rows / 2
    for element in points {
      let p = position(element)
      guard p.x.isFinite, p.y.isFinite, p.z.isFinite else {
        result.pointsRejected += 1
        continue
      }
      if p.z > band.maximum {
        result.pointsOverhang += 1
        continue
      }
      let isObstacle = p.z >= band.minimum
      if isObstacle { result.pointsUsed += 1 } else { result.pointsGround += 1 }
      let column = Int((p.x * inverseResolution).rounded(.down)) + originColumn
      let row = Int((p.y * inverseResolution).rounded(.down)) + originRow
      traceRay(
        fromColumn: originColumn, row: originRow, toColumn: column, row: row,
        endpointOccupied: isObstacle)
    }
    result.cellsTouched = touched.count
    applySweep()
    return result
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
    var error = dc + dr
    var c = c0
    var r = r0
    while c != c1 || r != r1 {
      guard c >= 0, c < columns, r >= 0, r < rows else { return }
      mark(r * columns + c, Self.markFree)
      let twice = 2 * error
      if twice >= dr {
        error += dr
        c += stepC
      }
      if twice <= dc {
        error += dc
        r += stepR
      }
    }
    guard c1 >= 0, c1 < columns, r1 >= 0, r1 < rows else { return }
    mark(r1 * columns + c1, endpointOccupied ? Self.markOccupied : Self.markFree)
  }

  @inline(__always) mutating func mark(_ index: Int, _ value: UInt8) {
    let current = sweepMark[index]
    if current == Self.markNone { touched.append(Int32(truncatingIfNeeded: index)) }
    if value > current { sweepMark[index] = value }
  }

  mutating func applySweep() {
    for index32 in touched {
      let index = Int(index32)
      let delta = sweepMark[index] == Self.markOccupied ? model.hit : model.miss
      logOdds[index] = min(max(logOdds[index] + delta, model.minimum), model.maximum)
      observed[index] = true
      sweepMark[index] = Self.markNone
    }
    touched.removeAll(keepingCapacity: true)
  }

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
    for index in 0..<geometry.cellCount {
      if !observed[index] {
        cells[index] = -1
      } else {
        let probability = 1 / (1 + expf(-logOdds[index]))
        cells[index] = Int8((probability * 100).rounded())
      }
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
