/// What really happened in a synthetic drive, written beside its packets (`truth.jsonl`: one
/// `TruthHeader` line, then one `TruthSample` line per 50 ms) so that `sightline eval` can
/// score the runtime. Positions are in the scenario's ENU plane, anchored at `origin`.
public struct TruthHeader: Codable, Sendable, Equatable {
  public struct Origin: Codable, Sendable, Equatable {
    public var latitude: Double
    public var longitude: Double
    public var height: Double
    public init(latitude: Double, longitude: Double, height: Double) {
      self.latitude = latitude
      self.longitude = longitude
      self.height = height
    }
  }
  public struct Solid: Codable, Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var yaw: Double
    public var length: Double
    public var width: Double
    public var height: Double
    public init(
      x: Double, y: Double, yaw: Double, length: Double, width: Double, height: Double
    ) {
      self.x = x
      self.y = y
      self.yaw = yaw
      self.length = length
      self.width = width
      self.height = height
    }
  }
  public struct Body: Codable, Sendable, Equatable {
    public var id: UInt32
    public var kind: AgentKind
    public var length: Double
    public var width: Double
    public var height: Double
    /// Sends BSMs or PSMs.
    public var equipped: Bool
    public init(
      id: UInt32, kind: AgentKind, length: Double, width: Double, height: Double, equipped: Bool
    ) {
      self.id = id
      self.kind = kind
      self.length = length
      self.width = width
      self.height = height
      self.equipped = equipped
    }
  }
  public var scenario: String
  public var origin: Origin
  /// UTC nanoseconds of the scenario's time 0.
  public var startNanoseconds: Int64
  public var durationSeconds: Double
  public var sensor: String
  public var sensorHeight: Double
  public var buildings: [Solid]
  public var agents: [Body]
  /// A rig's drive only ([[lidar.sensor]]): every LiDAR with its ports and mount, the GNSS
  /// antenna's place on the vehicle (the fixes are its position), and when which sensor's view
  /// was blocked (TruthHeader+Rig.swift). Absent for a one-sensor drive.
  public var sensors: [Sensor]?
  public var gnssAntenna: Point?
  public var blockages: [Blockage]?

  public init(
    scenario: String, origin: Origin, startNanoseconds: Int64, durationSeconds: Double,
    sensor: String, sensorHeight: Double, buildings: [Solid], agents: [Body],
    sensors: [Sensor]? = nil, gnssAntenna: Point? = nil, blockages: [Blockage]? = nil
  ) {
    self.scenario = scenario
    self.origin = origin
    self.startNanoseconds = startNanoseconds
    self.durationSeconds = durationSeconds
    self.sensor = sensor
    self.sensorHeight = sensorHeight
    self.buildings = buildings
    self.agents = agents
    self.sensors = sensors
    self.gnssAntenna = gnssAntenna
    self.blockages = blockages
  }
}

public struct TruthSample: Codable, Sendable, Equatable {
  public struct State: Codable, Sendable, Equatable {
    public var id: UInt32
    public var x: Double
    public var y: Double
    public var yaw: Double
    public var speed: Double
    public init(id: UInt32, x: Double, y: Double, yaw: Double, speed: Double) {
      self.id = id
      self.x = x
      self.y = y
      self.yaw = yaw
      self.speed = speed
    }
  }
  /// UTC nanoseconds.
  public var t_ns: Int64
  /// The ego (base_link: the ground point under the rear axle; a one-sensor drive's sensor
  /// stands on it), id 0.
  public var ego: State
  public var agents: [State]

  public init(t_ns: Int64, ego: State, agents: [State]) {
    self.t_ns = t_ns
    self.ego = ego
    self.agents = agents
  }
}

extension TruthHeader.Solid {
  public init(_ box: Box) {
    self.init(
      x: box.center.x, y: box.center.y, yaw: box.center.yaw, length: box.length,
      width: box.width, height: box.height)
  }

  /// Whether (x, y) lies on this footprint, grown by `margin` on every side.
  public func contains(x px: Double, y py: Double, margin: Double = 0) -> Bool {
    Self.footprint(
      x: x, y: y, yaw: yaw, length: length, width: width, contains: (px, py), margin: margin)
  }

  static func footprint(
    x: Double, y: Double, yaw: Double, length: Double, width: Double,
    contains point: (Double, Double), margin: Double
  ) -> Bool {
    let dx = point.0 - x
    let dy = point.1 - y
    let c = cos(yaw)
    let s = sin(yaw)
    let along = c * dx + s * dy
    let across = -s * dx + c * dy
    return abs(along) <= length / 2 + margin && abs(across) <= width / 2 + margin
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
