import Foundation
import SightlineLidar
import SightlineTimeline
import SightlineVelodyne
import Testing

@testable import SightlineScenario

/// A rig's capture: each sensor casts from where it is mounted, its blocked sector is empty in
/// its window only, the sensors' packets interleave in time order, and the GPRMC is the GNSS
/// antenna's position.
@Suite struct RigCaptureTests {
  /// A still ego at `pose` among `boxes`, no noise, no lost returns.
  static func scenario(
    _ rig: [RigSensor], pose: Pose2D = Pose2D(x: 0, y: 0, yaw: 0), boxes: [Box] = [],
    duration: Double = 0.12
  ) -> Scenario {
    let scene = Scene(
      name: "t", origin: (40.4168, -3.7038, 650), duration: duration, buildings: boxes,
      agents: [], ego: Trajectory(start: pose, until: duration))
    var scenario = Scenario(scene: scene, link: RadioLink(), seed: 3)
    scenario.rig = rig
    scenario.rangeNoise = 0
    scenario.returnDropout = 0
    return scenario
  }

  /// Every point the sensor's packets decode to (in the sensor's frame, REP 103), with times
  /// in seconds from the scenario's start.
  static func decode(_ sensor: RigSensor, in scenario: Scenario) throws -> [LidarPoint] {
    var simulator = try SensorSimulator(sensor: sensor, scenario: scenario, seed: 1)
    let decoder = VelodyneDecoder()
    var points: [LidarPoint] = []
    while !simulator.isFinished {
      let (offset, payload) = try simulator.nextPacket(startNanoseconds: 0)
      try payload.withUnsafeBytes { bytes in
        guard case .header(let header) = VelodynePacketHeader.parse(bytes),
          decoder.rejection(of: header) == nil
        else { throw CaptureTestFailure.rejected }
        decoder.decode(bytes, header: header, packetTimeNanoseconds: offset, into: &points)
      }
    }
    return points
  }

  enum CaptureTestFailure: Error { case rejected }

  /// A VLP-16 on the vehicle's right side, 1 m up, turned 90° to the left, on an ego at
  /// (10, 20) heading 30°; a 2 × 2 m box stands 2–4 m to the vehicle's front and 5.5–7.5 m to
  /// its left. By hand, its corner nearest the sensor, (3.5, 5.5) in the vehicle frame, is
  /// Rz(−90°)·((3.5, 5.5) − (1.5, −0.5)) = Rz(−90°)·(2, 6) = (6, −2) in the sensor's.
  @Test func aMountedSensorSeesABoxCornerWhereTheMountPutsIt() throws {
    let sensor = RigSensor(
      name: "side", model: .vlp16, port: 2368,
      mount: SensorMount(x: 1.5, y: -0.5, z: 1, yaw: .pi / 2))
    let ego = Pose2D(x: 10, y: 20, yaw: .pi / 6)
    // The box's centre, (4.5, 6.5) in the vehicle frame, in the world; turned with the ego.
    let centre = (
      x: ego.x + cos(ego.yaw) * 4.5 - sin(ego.yaw) * 6.5,
      y: ego.y + sin(ego.yaw) * 4.5 + cos(ego.yaw) * 6.5
    )
    let box = Box(
      center: Pose2D(x: centre.x, y: centre.y, yaw: ego.yaw), length: 2, width: 2, height: 3)
    let points = try Self.decode(sensor, in: Self.scenario([sensor], pose: ego, boxes: [box]))
    // The ground is 1 m below the sensor: keep what stands above it.
    let standing = points.filter { $0.z > -0.9 }
    let nearest = try #require(
      standing.min {
        hypot(Double($0.x) - 6, Double($0.y) + 2) < hypot(Double($1.x) - 6, Double($1.y) + 2)
      })
    #expect(hypot(Double(nearest.x) - 6, Double(nearest.y) + 2) < 0.05, "\(nearest)")
    // Everything standing is the box's two visible faces: x from 6 to 8, y from −2 to −4.
    #expect(!standing.isEmpty)
    for point in standing {
      #expect(
        point.x > 5.97 && point.x < 8.03 && point.y < -1.97 && point.y > -4.03, "\(point)")
    }
  }

  /// The left corner sensor of a rig yawed 90° on the vehicle: its own azimuths 60°–120° (the
  /// vehicle's 150°–210°) have no return from 0.1 s to 0.2 s, and returns before and after.
  @Test func aBlockedSectorHasNoReturnsInItsWindowAndReturnsOutsideIt() throws {
    let sensor = RigSensor(
      name: "corner", model: .vlp16, port: 2368,
      mount: SensorMount(x: 3, y: 1, z: 1.5, yaw: .pi / 2),
      blockages: [.init(fromDegrees: 60, toDegrees: 120, start: 0.1, end: 0.2)])
    let points = try Self.decode(sensor, in: Self.scenario([sensor], duration: 0.3))
    var counts: [String: Int] = [:]
    for point in points {
      let time = Double(point.timeNanoseconds) * 1e-9
      let azimuth = atan2(Double(point.y), Double(point.x)) * 180 / .pi
      // A firing's azimuth and the decoded point's differ by a fraction of a degree.
      let sector = azimuth > 60.5 && azimuth < 119.5
      let around = azimuth < 59.5 || azimuth > 120.5
      let window = time >= 0.1 && time < 0.2
      let key = (window ? "in " : "out ") + (sector ? "sector" : around ? "rest" : "edge")
      counts[key, default: 0] += 1
    }
    #expect(counts["in sector", default: 0] == 0, "\(counts)")
    #expect(counts["in rest", default: 0] > 1000, "\(counts)")
    // Outside the window the sector has its share of the ground (1/6 of the rest's 5/6).
    #expect(counts["out sector", default: 0] > counts["out rest", default: 0] / 10, "\(counts)")
  }

  /// A VLS-128 at 600 RPM and a VLP-16 at 603 RPM from azimuth 90°: one time-ordered stream in
  /// which the two sensors' packets alternate, each at its own period, on its own port and
  /// address, the GPRMC on the position port right after the roof sensor's packet, and every
  /// packet's own clock the capture's time.
  @Test func unsynchronisedSensorsInterleaveInTimeOrder() throws {
    let roof = RigSensor(
      name: "roof", model: .vls128, port: 2368, positionPort: 8308, mount: SensorMount(z: 1.9))
    let corner = RigSensor(
      name: "corner", model: .vlp16, port: 2369, mount: SensorMount(x: 3.6, z: 0.6), rpm: 603,
      phaseDegrees: 90)
    let start: Int64 = 1_772_446_500_000_000_000
    var capture = try RigCapture(
      scenario: Self.scenario([roof, corner], duration: 0.25), startNanoseconds: start)
    var records: [RigCapture.Record] = []
    while let record = try capture.next() { records.append(record) }
    #expect(
      zip(records, records.dropFirst()).allSatisfy { $0.timeNanoseconds <= $1.timeNanoseconds })
    let byPort = Dictionary(grouping: records, by: \.port)
    let vls = try #require(byPort[2368])
    let vlp = try #require(byPort[2369])
    // 0.25 s: 1563 VLS-128 packets (160 µs) and 189 VLP-16 packets (1.327 ms); 3 fixes at 10 Hz.
    #expect(vls.count == 1563 && vlp.count == 189 && byPort[8308]?.count == 3)
    #expect(records.count == 1563 + 189 + 3)
    // Alternating: between two VLP-16 packets come about 8 VLS-128 packets, never all of them.
    let switches = zip(records, records.dropFirst()).filter { $0.port != $1.port }.count
    #expect(switches >= 2 * 188, "\(switches)")
    for (index, record) in vlp.enumerated() {
      #expect(record.timeNanoseconds == start + Int64(index) * 1_327_104)
    }
    // The position packets follow a roof packet at its time.
    for (index, record) in records.enumerated() where record.port == 8308 {
      #expect(index > 0 && records[index - 1].port == 2368)
      #expect(records[index - 1].timeNanoseconds == record.timeNanoseconds)
    }
    for record in records {
      let frame = record.frame
      // IPv4 source 192.168.1.201 + sensor, destination port.
      #expect(Array(frame[26..<30]) == [192, 168, 1, UInt8(201 + record.sensor)])
      #expect(Int(frame[36]) << 8 | Int(frame[37]) == Int(record.port))
      guard record.port != 8308 else { continue }
      let payload = Array(frame[42...])
      let pastHour = payload[1200..<1204].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      #expect(pastHour == UInt64((record.timeNanoseconds / 1000) % 3_600_000_000))
      // The first block's azimuth is the sensor's own: its phase plus its rpm since time 0.
      let azimuth = Int(payload[2]) | Int(payload[3]) << 8
      let since = Double(record.timeNanoseconds - start) * 1e-9
      let rpm = record.port == 2368 ? 600.0 : 603.0
      let phase = record.port == 2368 ? 0.0 : 9000.0
      let expected = (36000 * (since * rpm / 60) + phase).truncatingRemainder(dividingBy: 36000)
      var difference = abs(Double(azimuth) - expected)
      difference = min(difference, 36000 - difference)
      #expect(difference < 30, "\(record.port) at \(since) s: \(azimuth), not \(expected)")
    }
  }

  /// No receiver error: the fix is where the antenna is, 2 m ahead of and 1 m left of
  /// base_link on an ego at (5, −3) heading north, so at (5 − 1, −3 + 2) in the plane; and the
  /// truth's ego is base_link.
  @Test func theGPRMCIsTheAntennasPosition() throws {
    let roof = RigSensor(
      name: "roof", model: .vlp16, port: 2368, positionPort: 8308, mount: SensorMount(z: 1.9))
    var scenario = Self.scenario([roof], pose: Pose2D(x: 5, y: -3, yaw: .pi / 2))
    scenario.gnssAntenna = SensorMount.Vector(x: 2, y: 1, z: 1.5)
    var capture = try RigCapture(scenario: scenario, startNanoseconds: 0)
    var fixes: [GNSSFix] = []
    while fixes.isEmpty, let record = try capture.next() {
      guard record.port == 8308 else { continue }
      let parsed = Array(record.frame[42...]).withUnsafeBytes { PositionPacket.parse($0) }
      let packet = try parsed.get()
      fixes.append(try #require(packet.fix))
    }
    let plane = LocalTangentPlane(
      origin: GeodeticPosition(
        latitudeDegrees: 40.4168, longitudeDegrees: -3.7038, heightMeters: 650))
    let fix = try #require(fixes.first)
    let at = plane.enu(
      GeodeticPosition(latitudeDegrees: fix.latitude, longitudeDegrees: fix.longitude))
    // GPRMC carries 1e-7 minutes of arc: about 0.2 mm.
    #expect(abs(at.east - 4) < 0.001 && abs(at.north + 1) < 0.001, "\(at)")
  }
}
