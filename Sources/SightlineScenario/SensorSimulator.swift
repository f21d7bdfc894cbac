import SightlineLidar
import SightlineVelodyne

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One sensor of the ego's rig over a drive: its real Velodyne data packets one at a time, every
/// ray cast against the scene from where the sensor is when that laser fires (the ego's pose at
/// the firing time composed with the sensor's mount), with range noise, lost returns and the
/// sensor's blocked sectors as "no return".
public struct SensorSimulator: Sendable {
  public let sensor: RigSensor
  let scene: Scene
  var writer: VelodynePacketWriter
  /// Two draws for every ray, hit or not, so one change does not reshuffle the rest.
  var noise: SeededRandom
  let rangeNoise: Double
  let dropout: Double
  let mountRotation: SensorMount.Rotation
  /// Time one packet covers: the next one is this much later (whole nanoseconds from the count,
  /// so no drift over a drive).
  public let periodNanoseconds: Int64
  /// Data packets written so far, and the returns they carry.
  public private(set) var packets = 0
  public private(set) var points = 0
  /// The sensor's pose in the world at the last firing time asked for (lasers fire in groups).
  var poseTime = Double.nan
  var pose = (position: SensorMount.Vector(x: 0, y: 0, z: 0), rotation: SensorMount.Rotation.yaw(0))

  /// `seed` draws the sensor's own range noise and lost returns.
  public init(sensor: RigSensor, scenario: Scenario, seed: UInt64) throws(PacketWriterError) {
    self.sensor = sensor
    scene = scenario.scene
    let mode: ReturnMode =
      switch scenario.returns {
      case .strongest: .strongest
      case .last: .last
      case .dual: .dual
      }
    writer = try VelodynePacketWriter(
      model: sensor.model == .vlp16 ? .vlp16 : .vls128, returnMode: mode)
    noise = SeededRandom(seed: seed)
    rangeNoise = scenario.rangeNoise
    dropout = scenario.returnDropout
    mountRotation = sensor.mount.rotation
    periodNanoseconds = writer.packetPeriodNanoseconds
  }

  /// Nanoseconds from the scenario's start to the next packet's timestamp.
  public var nextOffsetNanoseconds: Int64 { Int64(packets) * periodNanoseconds }

  /// Whether the next packet would start after the drive's end.
  public var isFinished: Bool { !(Double(nextOffsetNanoseconds) * 1e-9 < scene.duration) }

  /// The next data packet (1206 bytes; valid until the next call), stamped `startNanoseconds`
  /// plus its offset.
  public mutating func nextPacket(startNanoseconds: Int64) throws(PacketWriterError) -> (
    offsetNanoseconds: Int64, payload: [UInt8]
  ) {
    let sinceStart = nextOffsetNanoseconds
    let packetTime = Double(sinceStart) * 1e-9
    let time = startNanoseconds + sinceStart
    // Whole turns from the rpm in integers (no drift), then the sensor's own starting azimuth.
    let minute: Int64 = 60_000_000_000
    let turns = Double((sinceStart * Int64(sensor.rpm)) % minute) / Double(minute)
    var azimuth = 36000 * turns + sensor.phaseDegrees * 100
    if azimuth >= 36000 { azimuth -= 36000 }
    let spin = VelodynePacketWriter.Spin(
      azimuthCentidegrees: azimuth, revolutionsPerSecond: Double(sensor.rpm) / 60)
    let pastHour = UInt32((time / 1000) % 3_600_000_000)
    // Agents move at most a few centimetres within a packet: their bodies are placed once.
    let bodies = scene.agentBoxes(at: packetTime)
    try writer.begin(microsecondsPastHour: pastHour, spin: spin)
    for sequence in 0..<writer.sequencesPerPacket {
      for laser in 0..<writer.laserCount {
        let firing = writer.firing(sequence: sequence, laser: laser)
        let returns = cast(firing, packetTime: packetTime, bodies: bodies)
        writer.setReturns(returns, sequence: sequence, laser: laser)
      }
    }
    packets += 1
    return (sinceStart, writer.packet)
  }

  /// What one laser's ray sees.
  mutating func cast(_ firing: LaserFiring, packetTime: Double, bodies: [Box]) -> FiringReturns {
    let firingTime = packetTime + Double(firing.timeOffsetNanoseconds) * 1e-9
    if firingTime != poseTime { updatePose(at: firingTime) }
    let o = pose.rotation.apply(
      SensorMount.Vector(
        x: Double(firing.origin.x), y: Double(firing.origin.y), z: Double(firing.origin.z)))
    let d = pose.rotation.apply(
      SensorMount.Vector(
        x: Double(firing.direction.x), y: Double(firing.direction.y),
        z: Double(firing.direction.z)))
    let origin = (x: pose.position.x + o.x, y: pose.position.y + o.y, z: pose.position.z + o.z)
    let direction = (x: d.x, y: d.y, z: d.z)
    let rangeDraw = noise.normal()
    let dropDraw = noise.unit()
    if isBlocked(firing, at: firingTime) { return .none }
    let range = scene.cast(
      from: origin, direction: direction, at: firingTime, maximumRange: sensor.maximumRange,
      agentBoxes: bodies)
    let measured = range.map { $0 + rangeNoise * rangeDraw }
    guard let measured, measured > 0.5, dropDraw >= dropout else { return .none }
    points += 1
    let intensity: UInt8 = origin.z + direction.z * measured < 0.05 ? 12 : 60
    let only = LaserReturn(distanceMeters: Float(measured), intensity: intensity)
    return FiringReturns(last: only, strongest: only)
  }

  /// Whether the ray leaves through a sector blocked at `time` (its azimuth in the sensor's own
  /// frame, REP 103).
  @inline(__always) func isBlocked(_ firing: LaserFiring, at time: Double) -> Bool {
    for blockage in sensor.blockages where blockage.isActive(at: time) {
      let azimuth = atan2(Double(firing.direction.y), Double(firing.direction.x)) * 180 / .pi
      if blockage.covers(azimuthDegrees: azimuth) { return true }
    }
    return false
  }

  /// The sensor in the world at `time`: the ego's ground pose (base_link) then the mount.
  mutating func updatePose(at time: Double) {
    let ego = scene.ego.state(at: time).pose
    let heading = SensorMount.Rotation.yaw(ego.yaw)
    let lever = heading.apply(
      SensorMount.Vector(x: sensor.mount.x, y: sensor.mount.y, z: sensor.mount.z))
    pose = (
      SensorMount.Vector(x: ego.x + lever.x, y: ego.y + lever.y, z: lever.z),
      heading.multiplied(by: mountRotation)
    )
    poseTime = time
  }
}
