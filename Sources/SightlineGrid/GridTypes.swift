// Value types shared by the grid's layers: geometry, the log-odds model, the height band and
// what a frame's LiDAR update reports.

/// Log-odds increments and clamps; OctoMap's defaults.
public struct LogOddsModel: Sendable, Equatable {
  public var hit: Float = 0.85
  public var miss: Float = -0.4
  public var minimum: Float = -2
  public var maximum: Float = 3.5
  public init() {}
}

/// Which points of a sweep count as obstacles, by height relative to the sensor origin.
public struct HeightBand: Sendable, Equatable {
  /// Below this (metres, z relative to the sensor) a return is ground: the ray to it is free.
  public var minimum: Float
  /// Above this a return is an overhang and is ignored.
  public var maximum: Float
  public init(minimum: Float, maximum: Float) {
    self.minimum = minimum
    self.maximum = maximum
  }
}

/// The window's size. Cells are square and world-aligned (x east, y north); the sensor's cell
/// is always window cell (`sensorColumn`, `sensorRow`), the window scrolls to keep it there.
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
  public var sensorColumn: Int { columns / 2 }
  public var sensorRow: Int { rows / 2 }
}

public enum CellState: Sendable, Equatable {
  case unknown
  case free
  case occupied
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

/// How much of a frame's LiDAR work the budget allowed, from best to worst.
public enum Degradation: UInt8, Sendable, Comparable {
  /// Everything done.
  case none = 0
  /// Free space was cast near to far and stopped at `freeSpaceReachMeters`.
  case freeSpaceTruncated = 1
  /// Endpoints only: no free space this frame.
  case endpointsOnly = 2
  /// Only the first points' endpoints; the rest skipped.
  case pointsSkipped = 3
  /// No LiDAR work at all (V2X and decay only).
  case lidarSkipped = 4
  /// The budget ran out among the V2X agents: the nearest were painted, the rest counted, and
  /// no LiDAR work was done.
  case agentsSkipped = 5

  public static func < (a: Degradation, b: Degradation) -> Bool { a.rawValue < b.rawValue }

  /// The name logs and reports use.
  public var name: String {
    switch self {
    case .none: "none"
    case .freeSpaceTruncated: "free_space_truncated"
    case .endpointsOnly: "endpoints_only"
    case .pointsSkipped: "points_skipped"
    case .lidarSkipped: "lidar_skipped"
    case .agentsSkipped: "agents_skipped"
    }
  }
}

/// What one sweep did to the LiDAR layer.
public struct LidarUpdateReport: Sendable, Equatable {
  /// Obstacle returns integrated (their cells marked occupied).
  public var pointsUsed = 0
  public var pointsGround = 0
  public var pointsOverhang = 0
  /// NaN, infinite or absurdly far points; never converted to cells.
  public var pointsRejected = 0
  /// Points the budget left out.
  public var pointsSkipped = 0
  /// Cells whose log-odds changed this sweep (hits and misses).
  public var cellsUpdated = 0
  public var degradation = Degradation.none
  /// Free space is cast out to this distance from the sensor (infinity when complete).
  public var freeSpaceReachMeters: Float = .infinity
  /// Work units each stage used (points, cells): the deterministic budget's currency.
  public var endpointUnits = 0
  public var freeSpaceUnits = 0
  /// Claimed obstacle cells whose hit was applied last.
  public var hitsApplied = 0
  public init() {}
}
