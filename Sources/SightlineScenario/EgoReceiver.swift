import SightlineTimeline
import SightlineVelodyne

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The ego's GNSS receiver, whose GPRMC one LiDAR relays in its position packets: the antenna's
/// position (base_link's pose and the antenna's place on the vehicle) plus the receiver's own
/// error, at its fix rate; standing still it repeats its last course, as receivers do.
public struct EgoReceiver: Sendable {
  let scene: Scene
  let plane: LocalTangentPlane
  let antenna: SensorMount.Vector
  let rate: Double
  let startNanoseconds: Int64
  var error: GNSSErrorTrack
  var course: Double
  var writer = PositionPacketWriter()
  /// Fixes sent so far.
  public private(set) var fixes = 0

  public init(scenario: Scenario, startNanoseconds: Int64) {
    scene = scenario.scene
    plane = LocalTangentPlane(
      origin: GeodeticPosition(
        latitudeDegrees: scene.origin.latitude, longitudeDegrees: scene.origin.longitude,
        heightMeters: scene.origin.height))
    antenna = scenario.gnssAntenna
    rate = scenario.egoFixRate
    self.startNanoseconds = startNanoseconds
    error = GNSSErrorTrack(model: scenario.egoGNSS, seed: scenario.seed ^ 0x474E_5353)
    course = scene.ego.state(at: 0).pose.yaw
  }

  /// The position packet (512 bytes) to relay after a data packet at `packetTime` (scenario
  /// seconds; the packet's own clock `microsecondsPastHour`), when a fix is due by then.
  public mutating func packet(dueBy packetTime: Double, microsecondsPastHour: UInt32) -> [UInt8]? {
    let nextFix = Double(fixes) / rate
    guard packetTime >= nextFix else { return nil }
    let state = scene.ego.state(at: nextFix)
    let error = error.sample(at: nextFix)
    let antenna = self.antenna(state)
    let geo = plane.geodetic(ENUPoint(east: antenna.x + error.east, north: antenna.y + error.north))
    // Course over ground is noise when standing still: a receiver holds its last one.
    if antenna.speed > 0.5 { course = antenna.course + error.heading }
    let fix = GNSSFix(
      utcNanoseconds: startNanoseconds + Int64((nextFix * 1e9).rounded()),
      latitude: geo.latitudeDegrees, longitude: geo.longitudeDegrees,
      speedMetersPerSecond: max(0, antenna.speed + error.speed),
      courseDegrees: enuYawToHeading(radiansFromEastCounterClockwise: course))
    fixes += 1
    return writer.write(microsecondsPastHour: microsecondsPastHour, ppsStatus: 2, fix: fix)
  }

  /// Where the antenna is and how it moves: base_link's pose and speed when the antenna is above
  /// it; otherwise the lever arm, which also moves sideways (ω × r) while the vehicle turns.
  func antenna(_ state: Trajectory.State) -> (x: Double, y: Double, speed: Double, course: Double) {
    let pose = state.pose
    guard antenna.x != 0 || antenna.y != 0 else {
      return (pose.x, pose.y, state.speed, pose.yaw)
    }
    let (c, s) = (cos(pose.yaw), sin(pose.yaw))
    // In the vehicle frame: forward v − ω·y, sideways ω·x.
    let forward = state.speed - state.yawRate * antenna.y
    let sideways = state.yawRate * antenna.x
    return (
      pose.x + c * antenna.x - s * antenna.y, pose.y + s * antenna.x + c * antenna.y,
      (forward * forward + sideways * sideways).squareRoot(), pose.yaw + atan2(sideways, forward)
    )
  }
}
