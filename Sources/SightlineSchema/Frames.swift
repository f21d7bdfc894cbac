// SightlineSchema: what travels between the runtime and its subscribers and recordings. Pure.
// The schema is Schemas/sightline/v1/fused_frame.proto (documented in docs/SCHEMA.md); these are
// the values the runtime fills, written as protobuf by FrameWire without allocating.

/// Topics are single-frame prefixes, so that CONFLATE ("latest only") subscribers work.
public enum Topic: String, Sendable, CaseIterable {
  case grid
  case agents
  case stats

  /// The subscription prefix: the topic name and a NUL, so "grid" never matches "gridx".
  /// Made once: encoding a frame must not allocate.
  public var prefix: [UInt8] {
    switch self {
    case .grid: Self.prefixes[0]
    case .agents: Self.prefixes[1]
    case .stats: Self.prefixes[2]
    }
  }
  static let prefixes: [[UInt8]] = [grid, agents, stats].map { Array($0.rawValue.utf8) + [0] }
}

/// Which topic a received message belongs to, from its prefix.
public func topic(of message: [UInt8]) -> Topic? {
  Topic.allCases.first { message.starts(with: $0.prefix) }
}

public enum SchemaError: Error, Equatable, CustomStringConvertible {
  case wrongTopic
  case malformed(String)
  case cellCountMismatch(layer: String, expected: Int, got: Int)

  public var description: String {
    switch self {
    case .wrongTopic: "message does not start with the expected topic prefix"
    case .malformed(let reason): "malformed protobuf: \(reason)"
    case .cellCountMismatch(let layer, let expected, let got):
      "layer \(layer) has \(got) bytes where the layout needs \(expected)"
    }
  }
}

public struct GeoPosition: Sendable, Equatable {
  public var latitudeDegrees: Double
  public var longitudeDegrees: Double
  public var heightMeters: Double
  public init(latitudeDegrees: Double, longitudeDegrees: Double, heightMeters: Double) {
    self.latitudeDegrees = latitudeDegrees
    self.longitudeDegrees = longitudeDegrees
    self.heightMeters = heightMeters
  }
}

/// Counters since the run started (`sightline.v1.Counters`).
public struct RunCounters: Sendable, Equatable {
  public var lidarDatagrams: UInt64 = 0
  public var lidarPackets: UInt64 = 0
  public var lidarPacketsMissing: UInt64 = 0
  public var sweepsDropped: UInt64 = 0
  public var v2xReceived: UInt64 = 0
  public var v2xAccepted: UInt64 = 0
  /// Non-zero drops by reason, such as "lidar.late_packet". Reasons should be made once (not
  /// interpolated per frame) so that filling the counters does not allocate.
  public var drops: [Drop] = []
  /// Host clock steps seen (realtime against monotonic), and their sum; not followed.
  public var hostClockSteps: UInt64 = 0
  public var hostClockStepTotalNanoseconds: Int64 = 0
  /// Configuration reloads applied, and rejected (the running config kept).
  public var configReloads: UInt64 = 0
  public var configReloadsRejected: UInt64 = 0
  /// Frames published while no LiDAR sweep arrived (`Flags.lidarAbsent`).
  public var framesWithoutLidar: UInt64 = 0
  /// V2X senders put in quarantine so far (the misbehaviour checks).
  public var sendersQuarantined: UInt64 = 0
  /// Times frames began to follow a LiDAR clock far behind the frames without LiDAR before it.
  public var lidarClockChanges: UInt64 = 0

  public struct Drop: Sendable, Equatable {
    public var reason: String
    public var count: UInt64
    public init(reason: String, count: UInt64) {
      self.reason = reason
      self.count = count
    }
  }

  public init() {}
}

/// One published grid frame (`sightline.v1.FusedFrame`): the sweep's summary, the budget
/// report, the agents, the counters, and the fused grid with its optional layers.
public struct GridFrame: Sendable, Equatable {
  public struct Flags: OptionSet, Sendable, Equatable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// The sweep did not cover a whole revolution from cut to cut.
    public static let partialSweep = Flags(rawValue: 1 << 0)
    /// The budget did not allow all the work: see degradation, points skipped, reach.
    public static let degraded = Flags(rawValue: 1 << 1)
    /// Made under a work budget: timings are 0 and publish time is the replay's clock, so the
    /// bytes are the same on every run and machine.
    public static let deterministic = Flags(rawValue: 1 << 2)
    /// The ego pose is known: the grid is in the drive's ENU plane. Otherwise the sensor frame.
    public static let egoKnown = Flags(rawValue: 1 << 3)
    /// The grid was cleared this frame (the ego pose jumped).
    public static let gridReset = Flags(rawValue: 1 << 4)
    /// No LiDAR sweep arrived for `frame.lidar_timeout_ms`: V2X agents and decay only.
    public static let lidarAbsent = Flags(rawValue: 1 << 5)
  }

  public var sequence: UInt64 = 0
  public var flags: Flags = []
  /// UTC nanoseconds of the sweep's first firing.
  public var sensorTimeNanoseconds: Int64 = 0
  /// UTC nanoseconds of the sweep's last packet: the time of the grid, ego and agents.
  public var referenceTimeNanoseconds: Int64 = 0
  /// UTC nanoseconds (host clock) when the frame was published; the replay clock when
  /// deterministic.
  public var publishTimeNanoseconds: Int64 = 0
  public var azimuthCoverageCentidegrees: UInt32 = 0
  public var pointsInSweep: UInt32 = 0
  /// How long no LiDAR sweep has arrived (0 in a frame with LiDAR).
  public var lidarSilentNanoseconds: Int64 = 0
  public var pointsUsed: UInt32 = 0
  public var processingNanoseconds: UInt32 = 0
  public var columns: UInt32 = 0
  public var rows: UInt32 = 0
  public var resolution: Float = 0
  /// Counts of the fused cells: > 50 occupied, 0...50 free, −1 unknown.
  public var occupiedCells: UInt32 = 0
  public var freeCells: UInt32 = 0
  public var unknownCells: UInt32 = 0
  /// The corner of cell (0, 0) and the ego, in the drive's ENU plane (metres), and the ego yaw.
  public var cornerEast: Double = 0
  public var cornerNorth: Double = 0
  public var egoEast: Double = 0
  public var egoNorth: Double = 0
  public var egoYaw: Float = 0
  /// The ego and the ENU plane's anchor as WGS-84, when the plane is anchored.
  public var egoWGS84: GeoPosition? = nil
  public var enuOrigin: GeoPosition? = nil
  /// The budget report.
  public var budgetNanoseconds: UInt32 = 0
  public var v2xAndDecayNanoseconds: UInt32 = 0
  public var lidarNanoseconds: UInt32 = 0
  public var outputNanoseconds: UInt32 = 0
  public var pointsSkipped: UInt32 = 0
  /// Free space is complete out to this distance; infinity when complete.
  public var freeSpaceReachMeters: Float = .infinity
  /// 0 none, 1 free space truncated, 2 endpoints only, 3 points skipped, 4 LiDAR skipped, 5 agents skipped.
  public var degradation: UInt8 = 0
  public var agentsPainted: UInt16 = 0
  public var agentsConfirmed: UInt16 = 0
  public var agentsOccluded: UInt16 = 0
  public var agentsContradicted: UInt16 = 0
  /// Agents beyond max_agents, not painted.
  public var agentsNotPainted: UInt32 = 0
  /// Agents within max_agents the budget left unpainted (the farthest).
  public var agentsSkippedForBudget: UInt32 = 0
  /// V2X senders in quarantine at this frame.
  public var quarantinedSenders: UInt32 = 0
  /// The frame's budgeted work in the reference machine's nanoseconds (`WorkCosts.reference`).
  public var workUnits: UInt32 = 0
  /// The V2X agents, extrapolated to the reference time.
  public var agents: [AgentsFrame.Agent] = []
  public var counters = RunCounters()
  /// Every LiDAR of the vehicle, in the config's order (updated in place each frame).
  public var sensors: [FrameSensor] = []
  /// The fused grid, nav_msgs semantics: row-major from cell (0, 0), −1 unknown, 0...50 free,
  /// 51...100 occupied.
  public var cells: [Int8] = []
  /// The V2X layer: probability (percent) that an agent occupies the cell, −1 where none
  /// reaches. Empty when not published.
  public var v2xCells: [Int8] = []
  /// The LiDAR layer's log-odds in thousandths, Int16.min unknown. Empty when not published.
  public var logOddsCells: [Int16] = []
  /// Per cell: bit 0 LiDAR observed, bit 1 V2X painted, bit 2 hit this sweep. Empty when not
  /// published.
  public var sourceCells: [UInt8] = []

  public init() {}

  /// The frame the grid, ego and agents are expressed in.
  public var frameID: String { flags.contains(.egoKnown) ? "enu" : "sensor" }
  /// Position of the corner of cell (0, 0) relative to the sensor, metres, grid axes.
  public var originX: Double { cornerEast - egoEast }
  public var originY: Double { cornerNorth - egoNorth }
}

/// The V2X agents of one frame (topic `agents`), extrapolated to the frame's reference time.
public struct AgentsFrame: Sendable, Equatable {
  public struct Agent: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
      case other = 0
      case vehicle = 1
      case pedestrian = 2
      case cyclist = 3
    }
    public enum Model: UInt8, Sendable {
      case constantPosition = 0
      case constantVelocity = 1
      case ctra = 2
    }
    public enum Consistency: UInt8, Sendable {
      case notPainted = 0
      case confirmed = 1
      case occluded = 2
      case contradicted = 3
    }
    public var id: UInt32 = 0
    public var kind: Kind = .other
    public var model: Model = .constantPosition
    public var consistency: Consistency = .notPainted
    /// ENU metres in the drive's local plane.
    public var east: Double = 0
    public var north: Double = 0
    /// Radians counter-clockwise from east; nil when unknown.
    public var heading: Float? = nil
    /// m/s; nil when unknown.
    public var speed: Float? = nil
    /// Position covariance, m².
    public var covarianceEE: Float = 0
    public var covarianceEN: Float = 0
    public var covarianceNN: Float = 0
    /// Frame time − generation time of the message the position comes from.
    public var latencyNanoseconds: Int64 = 0
    public var generationTimeNanoseconds: Int64 = 0
    public var distanceTravelled: Float = 0
    /// The message claims a generation time after the frame's time.
    public var futureDated = false

    public init() {}

    /// The 1σ axes (m) of the position covariance and the major axis' direction (radians
    /// counter-clockwise from east); nil when the covariance is not a valid one.
    public var positionEllipse: (major: Double, minor: Double, angle: Double)? {
      let a = Double(covarianceEE)
      let b = Double(covarianceEN)
      let d = Double(covarianceNN)
      guard a.isFinite, b.isFinite, d.isFinite, a >= 0, d >= 0 else { return nil }
      let mean = (a + d) / 2
      let spread = (((a - d) / 2) * ((a - d) / 2) + b * b).squareRoot()
      return (
        max(0, mean + spread).squareRoot(), max(0, mean - spread).squareRoot(),
        0.5 * atan2(2 * b, a - d)
      )
    }
  }

  public var sequence: UInt64 = 0
  /// The time the agents are extrapolated to (the sweep's reference time), UTC ns.
  public var timeNanoseconds: Int64 = 0
  /// Whether an ego pose was known; if so, the ego's ENU position and yaw.
  public var egoKnown = false
  public var egoEast: Double = 0
  public var egoNorth: Double = 0
  public var egoYaw: Double = 0
  public var agents: [Agent] = []

  public init() {}
}

/// Topic `stats`: the run's counters, about once a second and at the end of the stream.
public struct StatsMessage: Sendable, Equatable {
  /// Frames published before this message; a subscriber that saw fewer lost some.
  public var framesPublished: UInt64 = 0
  public var endOfStream = false
  /// The input ended on an error (for example a truncated capture).
  public var inputError = false
  public var counters = RunCounters()
  public var publishTimeNanoseconds: Int64 = 0
  public var sensors: [FrameSensor] = []
  /// The ego pose's source and age.
  public var ego = EgoStatus()

  public init() {}
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
