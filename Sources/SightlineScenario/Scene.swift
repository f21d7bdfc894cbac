// SightlineScenario: synthetic drives with known truth. Pure: a scene (static boxes, moving
// agents, the ego's path), ray casting against it, and a model of the radio link. The
// generator (Tools/scenario) turns it into real packets, a V2X log and truth files.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A pose in the scenario's local ENU plane (metres; yaw counter-clockwise from east).
public struct Pose2D: Sendable, Equatable, Codable {
  public var x: Double
  public var y: Double
  public var yaw: Double
  public init(x: Double, y: Double, yaw: Double) {
    self.x = x
    self.y = y
    self.yaw = yaw
  }
}

/// A box standing on the ground: a building, a parked truck, or an agent's body.
public struct Box: Sendable, Equatable {
  public var center: Pose2D
  public var length: Double
  public var width: Double
  public var height: Double
  public init(center: Pose2D, length: Double, width: Double, height: Double) {
    self.center = center
    self.length = length
    self.width = width
    self.height = height
  }
}

public enum AgentKind: String, Sendable, Codable {
  case vehicle
  case pedestrian
  case cyclist
}

/// Everything a synthetic drive holds, in a local ENU plane anchored at `origin`.
public struct Scene: Sendable {
  public var name: String
  /// WGS-84 of (0, 0): latitude, longitude (degrees), height (m).
  public var origin: (latitude: Double, longitude: Double, height: Double)
  public var duration: Double
  public var buildings: [Box]
  public var agents: [Agent]
  public var ego: Trajectory
  /// The LiDAR's height above the ground.
  public var sensorHeight: Double

  public init(
    name: String, origin: (latitude: Double, longitude: Double, height: Double),
    duration: Double, buildings: [Box], agents: [Agent], ego: Trajectory,
    sensorHeight: Double = 1.9
  ) {
    self.name = name
    self.origin = origin
    self.duration = duration
    self.buildings = buildings
    self.agents = agents
    self.ego = ego
    self.sensorHeight = sensorHeight
  }

  /// The distance along a ray from `origin` (world x, y, z) in unit direction `direction` to
  /// the first surface (ground z = 0, a building or an agent at `time`), or nil beyond
  /// `maximumRange`.
  public func cast(
    from origin: (x: Double, y: Double, z: Double), direction: (x: Double, y: Double, z: Double),
    at time: Double, maximumRange: Double, agentBoxes: [Box]
  ) -> Double? {
    var nearest = maximumRange
    if direction.z < -1e-9 {
      let ground = -origin.z / direction.z
      if ground < nearest { nearest = ground }
    }
    for box in buildings { nearest = min(nearest, Self.hit(box, origin, direction) ?? nearest) }
    for box in agentBoxes { nearest = min(nearest, Self.hit(box, origin, direction) ?? nearest) }
    return nearest < maximumRange ? nearest : nil
  }

  /// The agents' bodies at `time`, for `cast` (computed once per packet, not per ray).
  public func agentBoxes(at time: Double) -> [Box] {
    agents.map { $0.box(at: time) }
  }

  /// Narrows [near, far] to where the ray is between `low` and `high` on one axis; false when
  /// it never is.
  @inline(__always)
  static func slab(
    _ origin: Double, _ direction: Double, _ low: Double, _ high: Double, _ near: inout Double,
    _ far: inout Double
  ) -> Bool {
    if abs(direction) < 1e-12 { return origin >= low && origin <= high }
    var t1 = (low - origin) / direction
    var t2 = (high - origin) / direction
    if t1 > t2 { swap(&t1, &t2) }
    near = max(near, t1)
    far = min(far, t2)
    return near <= far
  }

  /// Slab test of a ray against a box (its footprint rotated by yaw, from z 0 to height).
  static func hit(
    _ box: Box, _ origin: (x: Double, y: Double, z: Double),
    _ direction: (x: Double, y: Double, z: Double)
  ) -> Double? {
    let c = cos(box.center.yaw)
    let s = sin(box.center.yaw)
    let dx = origin.x - box.center.x
    let dy = origin.y - box.center.y
    // Into the box's own axes.
    let o = (c * dx + s * dy, -s * dx + c * dy, origin.z)
    let d = (c * direction.x + s * direction.y, -s * direction.x + c * direction.y, direction.z)
    var near = -Double.infinity
    var far = Double.infinity
    guard slab(o.0, d.0, -box.length / 2, box.length / 2, &near, &far),
      slab(o.1, d.1, -box.width / 2, box.width / 2, &near, &far),
      slab(o.2, d.2, 0, box.height, &near, &far)
    else { return nil }
    guard far > 0 else { return nil }
    return near > 0 ? near : nil  // a ray starting inside a box sees nothing of it
  }
}
