import Foundation

/// What `sightline eval DRIVE --json` prints; every key is defined in docs/EVAL.md.
extension Eval {
  public struct Scores: Codable, Sendable {
    public var drive: String
    /// Frames of the fused replay, and those scored (inside the truth's time span, with an ENU
    /// origin and a whole fused layer).
    public var frames: Int
    public var frames_scored: Int
    /// Per agent (hex id): when it first entered the window and when each grid first had it.
    public var detection: [String: Detection]
    /// Per kind ("all", "vehicle", "pedestrian", and any other kind present): the position
    /// error of published agents by latency band.
    public var position_error: [String: [ErrorBand]]
    /// Every published agent of every scored frame against the truth.
    public var position_error_samples: [ErrorRow]
    /// Per kind: the share of truths inside the published 95% ellipse.
    public var coverage_95: [String: Coverage]
    /// Per kind: the fraction of truths inside the 75% ellipse, the level of the presence region
    /// fusion marks occupied (`V2XLayer.corePercent`): about 0.75 when that claim holds.
    public var coverage_75: [String: Coverage]
    /// Per kind: the mean normalised estimation error squared (ideal 2).
    public var nees: [String: NEES]
    public var grid: GridScores
    /// The runtime's ego pose against the truth's (nil when the drive has no ego): the grid and
    /// detection are scored in the vehicle's frame, around the ego where the runtime believed it.
    public var ego: EgoError?
  }

  public struct EgoError: Codable, Sendable, Equatable {
    public var position_m: Spread
    public var yaw_deg: Spread
    public var n: Int
  }

  public struct Detection: Codable, Sendable, Equatable {
    public var kind: String
    public var equipped: Bool
    /// Seconds from the drive's start to the first frame whose window holds a cell of the
    /// agent's true footprint.
    public var window_entry_s: Double?
    /// Seconds from the drive's start to the first frame whose fused (LiDAR + V2X) grid, and
    /// the LiDAR-only grid, has an occupied cell (> 50) on the agent's true footprint.
    public var fused_s: Double?
    public var lidar_only_s: Double?
    /// lidar_only_s − fused_s; nil when either grid never has the agent.
    public var advantage_s: Double?
    /// Which grids never had the agent: "fused", "lidar_only" (empty when both did).
    public var never: [String]

    public init(
      kind: String, equipped: Bool, window_entry_s: Double?, fused_s: Double?,
      lidar_only_s: Double?
    ) {
      self.kind = kind
      self.equipped = equipped
      self.window_entry_s = window_entry_s
      self.fused_s = fused_s
      self.lidar_only_s = lidar_only_s
      advantage_s = fused_s.flatMap { f in lidar_only_s.map { $0 - f } }
      never = (fused_s == nil ? ["fused"] : []) + (lidar_only_s == nil ? ["lidar_only"] : [])
    }

    /// Nil values are written as null, not left out.
    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(kind, forKey: .kind)
      try c.encode(equipped, forKey: .equipped)
      try c.encode(window_entry_s, forKey: .window_entry_s)
      try c.encode(fused_s, forKey: .fused_s)
      try c.encode(lidar_only_s, forKey: .lidar_only_s)
      try c.encode(advantage_s, forKey: .advantage_s)
      try c.encode(never, forKey: .never)
    }
  }

  /// One published agent in one frame.
  public struct ErrorRow: Codable, Sendable, Equatable {
    public var agent: String
    public var kind: String
    public var latency_ms: Double
    /// Distance (m) from the truth at the frame's time of the published (extrapolated)
    /// position, and of the position the message reported (the published one moved back along
    /// its heading by the distance the extrapolation travelled).
    public var extrapolated_m: Double
    public var raw_m: Double
    /// dᵀ Σ⁻¹ d of the extrapolated error d against the published covariance Σ; nil when Σ is
    /// not positive definite.
    public var nees: Double?

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(agent, forKey: .agent)
      try c.encode(kind, forKey: .kind)
      try c.encode(latency_ms, forKey: .latency_ms)
      try c.encode(extrapolated_m, forKey: .extrapolated_m)
      try c.encode(raw_m, forKey: .raw_m)
      try c.encode(nees, forKey: .nees)
    }
  }

  public struct Spread: Codable, Sendable, Equatable {
    public var median: Double
    public var p95: Double
  }

  /// Position errors of published agents whose message latency is in [from_ms, to_ms).
  public struct ErrorBand: Codable, Sendable, Equatable {
    public var from_ms: Int
    public var to_ms: Int
    public var n: Int
    public var extrapolated_m: Spread
    public var raw_m: Spread
  }

  public struct Coverage: Codable, Sendable, Equatable {
    /// Truths inside the published 95% ellipse (NEES ≤ 5.991), of `n` published agent-frames;
    /// `invalid` of them carried a covariance that is not positive definite (counted outside).
    public var inside: Int
    public var n: Int
    public var invalid: Int
    public var fraction: Double?

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(inside, forKey: .inside)
      try c.encode(n, forKey: .n)
      try c.encode(invalid, forKey: .invalid)
      try c.encode(fraction, forKey: .fraction)
    }
  }

  public struct NEES: Codable, Sendable, Equatable {
    /// Mean of dᵀ Σ⁻¹ d over the `n` agent-frames with a positive definite covariance.
    public var mean: Double?
    public var n: Int

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(mean, forKey: .mean)
      try c.encode(n, forKey: .n)
    }
  }

  /// The fused grid against the truth, summed over the scored frames' windows.
  public struct GridScores: Codable, Sendable, Equatable {
    /// Cell counts, "truth_grid": truth occupied or free × grid occupied (> 50), free
    /// (0...50) or unknown (−1). The edge_* counts are the part of occupied_* whose cells are
    /// only partly on a box (the cell's square shares area with a box but is not inside one).
    public struct Cells: Codable, Sendable, Equatable {
      public var occupied_occupied = 0
      public var occupied_free = 0
      public var occupied_unknown = 0
      public var free_occupied = 0
      public var free_free = 0
      public var free_unknown = 0
      public var edge_occupied = 0
      public var edge_free = 0
      public var edge_unknown = 0
    }
    /// occupied_occupied / (occupied_occupied + free_occupied + occupied_free +
    /// occupied_unknown): unknown counts as not occupied.
    public var iou: Double?
    /// The same over the cells the grid observed: occupied_unknown left out.
    public var iou_observed: Double?
    /// occupied_free / (occupied_free + free_free): of the cells the grid calls free, the
    /// share that are truly occupied.
    public var false_free: Double?
    /// free_occupied / (occupied_occupied + free_occupied): of the cells the grid calls
    /// occupied, the share that are truly free.
    public var false_occupied: Double?
    /// The fractions' denominators, in words.
    public var denominators: [String: String]
    public var tolerance: String
    public var left_out: [String]
    /// The counts every fraction above comes from (e.g. occupied_free: truly occupied, free in
    /// the grid).
    public var cells: Cells

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(iou, forKey: .iou)
      try c.encode(iou_observed, forKey: .iou_observed)
      try c.encode(false_free, forKey: .false_free)
      try c.encode(false_occupied, forKey: .false_occupied)
      try c.encode(denominators, forKey: .denominators)
      try c.encode(tolerance, forKey: .tolerance)
      try c.encode(left_out, forKey: .left_out)
      try c.encode(cells, forKey: .cells)
    }
  }
}
