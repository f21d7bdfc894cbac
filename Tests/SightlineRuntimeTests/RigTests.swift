import Foundation
import SightlineGrid
import SightlineLidar
import SightlineSchema
import SightlineTimeline
import SightlineUDP
import SightlineVelodyne
import SightlineZMQ
import Testing

@testable import SightlinePipeline
@testable import SightlineReplay

/// Several LiDARs on one vehicle: mounts, one grid in the vehicle frame, free space from each
/// sensor's own origin, blockage, and the config's rules.
@Suite struct RigTests {
  static let roof = MountPose(x: 1.2, y: 0, z: 1.9)
  static let frontLeft = MountPose(x: 3.6, y: 0.8, z: 0.6, pitchDegrees: 3, yawDegrees: 45)
  static let frontRight = MountPose(
    x: 3.6, y: -0.8, z: 0.6, rollDegrees: 2, pitchDegrees: -1, yawDegrees: -45)

  static func point(_ x: Float, _ y: Float, _ z: Float, azimuth: UInt16 = 0, time: Int64 = 0)
    -> LidarPoint
  {
    LidarPoint(
      x: x, y: y, z: z, distance: (x * x + y * y + z * z).squareRoot(), timeNanoseconds: time,
      azimuthCentidegrees: azimuth, intensity: 0, ring: 0, returnType: 1)
  }

  /// R = Rz(45°)·Ry(3°): the sensor's x axis, 10 m out, by hand: Ry turns (10, 0, 0) into
  /// (10 cos 3°, 0, −10 sin 3°) = (9.986295, 0, −0.523360); Rz(45°) gives x = y = 9.986295/√2
  /// = 7.061377; plus the mount's (3.6, 0.8, 0.6).
  @Test func aMountMovesAPointAsWorkedOutByHand() {
    let moved = Self.frontLeft.apply(SIMD3(10, 0, 0))
    #expect(abs(moved.x - 10.661377) < 1e-5)
    #expect(abs(moved.y - 7.861377) < 1e-5)
    #expect(abs(moved.z - 0.076640) < 1e-5)
    var points = [Self.point(10, 0, 0)]
    Self.frontLeft.apply(to: &points, range: 0..<1)
    #expect(abs(points[0].x - 10.661377) < 1e-4 && abs(points[0].y - 7.861377) < 1e-4)
    var untouched = [Self.point(1.25, -3.5, 0.75)]
    MountPose.identity.apply(to: &untouched, range: 0..<1)
    #expect(untouched == [Self.point(1.25, -3.5, 0.75)])
  }

  /// One spot in the vehicle frame, (8.03, 3.07, 0.5), as three sensors see it (each worked out
  /// by hand as Rᵀ·(P − t), numpy as the calculator): after their mounts, one cell.
  @Test func aSpotSeenByThreeSensorsLandsInOneCell() {
    var sweep = Sweep()
    sweep.points = [
      Self.point(6.830000, 3.070000, -1.400000),
      Self.point(4.736356, -1.527351, 0.148085),
      Self.point(0.394174, 5.861680, -0.311655),
    ]
    for (index, mount) in [Self.roof, Self.frontLeft, Self.frontRight].enumerated() {
      mount.apply(to: &sweep.points, range: index..<(index + 1))
      sweep.segments.append(
        SweepSegment(
          sensor: index, range: index..<(index + 1), originX: Float(mount.x),
          originY: Float(mount.y), originZ: Float(mount.z)))
    }
    for p in sweep.points {
      #expect(abs(p.x - 8.03) < 1e-4 && abs(p.y - 3.07) < 1e-4 && abs(p.z - 0.5) < 1e-4)
    }
    var config = SightlineConfig.Grid()
    config.obstacleMinZ = 0.2
    config.obstacleMaxZ = 2.5
    var framer = SweepToFrame(config: config, budget: FrameBudget(config: .init(), live: false))
    sweep.endNanoseconds = 1
    _ = framer.process(sweep, decodeNanoseconds: 0, ego: nil, agents: [], clock: 0)
    #expect(framer.grid.state(x: 8.03, y: 3.07) == .occupied)
    #expect(framer.grid.counts().occupied == 1)
  }

  /// A corner sensor's return frees the cells between it and its corner, not between the
  /// return and the vehicle's origin.
  @Test func freeSpaceIsCastFromTheSensorsOwnOrigin() {
    var sweep = Sweep()
    // 6 m straight ahead of a sensor at (3.6, -0.8), yawed 0 for a plain line: (9.6, -0.8).
    sweep.points = [Self.point(6, 0, 0)]
    let mount = MountPose(x: 3.6, y: -0.8, z: 0.6)
    mount.apply(to: &sweep.points, range: 0..<1)
    sweep.segments = [
      SweepSegment(sensor: 0, range: 0..<1, originX: 3.6, originY: -0.8, originZ: 0.6)
    ]
    sweep.endNanoseconds = 1
    var config = SightlineConfig.Grid()
    config.obstacleMinZ = 0.2
    config.obstacleMaxZ = 2.5
    var framer = SweepToFrame(config: config, budget: FrameBudget(config: .init(), live: false))
    _ = framer.process(sweep, decodeNanoseconds: 0, ego: nil, agents: [], clock: 0)
    #expect(framer.grid.state(x: 9.65, y: -0.75) == .occupied)
    for x in stride(from: 4.05, through: 9.0, by: 0.5) {
      #expect(framer.grid.state(x: x, y: -0.75) == .free, "x \(x) on the sensor's ray")
    }
    // On the line from the vehicle's origin to the return, away from the sensor's ray.
    #expect(framer.grid.state(x: 2.05, y: -0.15) == .unknown)
    #expect(framer.grid.state(x: 0.05, y: 0.05) == .unknown)
  }
}

/// Blockage: flagged per sector of the sensor's own azimuth, and the rays of a blocked sector
/// clear nothing.
@Suite struct RigBlockageTests {
  static func config() throws -> SightlineConfig {
    try SightlineConfig.parse(
      """
      [grid]
      obstacle_min_z_m = 0.2
      obstacle_max_z_m = 2.5
      [[lidar.sensor]]
      name = "roof"
      port = 2368
      mount = { x = 0.0, y = 0.0, z = 1.0, roll_deg = 0.0, pitch_deg = 0.0, yaw_deg = 0.0 }
      [[lidar.sensor]]
      name = "corner"
      port = 2369
      mount = { x = 0.0, y = 0.0, z = 1.0, roll_deg = 0.0, pitch_deg = 0.0, yaw_deg = 0.0 }
      """, file: "test")
  }

  /// One revolution of the corner sensor: a wall 8 m away all round, except that sector 0
  /// (azimuth 0–10°, clockwise from x as Velodyne counts) returns at 0.3 m (a bag) when `bag`.
  static func revolution(_ number: Int, bag: Bool) -> Sweep {
    var sweep = Sweep()
    let time = Int64(1_000_000_000) + Int64(number) * 100_000_000
    for step in 0..<720 {
      let azimuth = step * 50
      let range: Float = bag && azimuth < 1000 ? 0.3 : 8
      let angle = -Float(azimuth) / 100 * .pi / 180
      // A bag's returns are all within 0.5 m of the sensor; the wall's go up and down.
      for z in range < 1 ? [Float(0), Float(-0.1)] : [Float(0), Float(-0.5)] {
        sweep.points.append(
          RigTests.point(
            range * cos(angle), range * sin(angle), z, azimuth: UInt16(azimuth), time: time))
      }
    }
    sweep.startNanoseconds = time - 100_000_000
    sweep.endNanoseconds = time
    sweep.coverageCentidegrees = 36000
    sweep.segments = [
      SweepSegment(sensor: 1, range: 0..<sweep.points.count, originX: 0, originY: 0, originZ: 1)
    ]
    sweep.segments[0].sweepEndNanoseconds = time
    sweep.segments[0].coverageCentidegrees = 36000
    return sweep
  }

  @Test func aBaggedSectorIsFlaggedWithinFiveRevolutionsAndClearsNothing() throws {
    let frames = FrameLoop(config: try Self.config(), live: false, sinks: [])
    var flaggedAt: Int?
    for number in 0..<12 {
      var sweep = Self.revolution(number, bag: number >= 4)
      try frames.process(&sweep, decodeNanoseconds: 0, clock: sweep.endNanoseconds)
      let corner = frames.frame.sensors[1]
      #expect(corner.name == "corner" && corner.sectorCount == 36)
      #expect(corner.blockedSectors & ~1 == 0, "only sector 0 can be blocked")
      if corner.blockedSectors == 1 && flaggedAt == nil {
        flaggedAt = number
        #expect(corner.status == .blocked)
      }
    }
    // The bag arrives with revolution 4; the detector flags on its 5th empty revolution.
    #expect(flaggedAt == 8)
    #expect(frames.sensors.health[1].pointsBlocked > 0)
    // The roof sensor sent nothing: silent, and so reported.
    #expect(frames.frame.sensors[0].status == .silent)
    // The stats carry the same sensors.
    try frames.publishStats(endOfStream: false, inputError: false, clock: 0)
  }

  /// The sector opens again: its returns at 8 m come back, but until the detector clears it
  /// (3 clear revolutions) they are left out, so the cells they would free are not touched.
  @Test func aBlockedSectorsRaysDoNotClearFreeSpace() throws {
    var config = try Self.config()
    config.grid.decaySeconds = 0  // nothing changes a cell but the sweeps
    let frames = FrameLoop(config: config, live: false, sinks: [])
    for number in 0..<10 {
      var sweep = Self.revolution(number, bag: number >= 3)
      try frames.process(&sweep, decodeNanoseconds: 0, clock: sweep.endNanoseconds)
    }
    #expect(frames.frame.sensors[1].blockedSectors == 1)
    // Azimuth 5° clockwise from x, 4 m out (the bag's sector); azimuth 95°, 4 m out (open).
    let blocked = try #require(
      frames.framer.grid.windowCell(x: 4 * cos(-5.0 * .pi / 180), y: 4 * sin(-5.0 * .pi / 180)))
    let open = try #require(
      frames.framer.grid.windowCell(x: 4 * cos(-95.0 * .pi / 180), y: 4 * sin(-95.0 * .pi / 180)))
    let before = frames.framer.grid.logOdds(column: blocked.column, row: blocked.row)
    #expect(before != nil, "freed by the clear revolutions before the bag")
    var reopened = Self.revolution(10, bag: false)
    try frames.process(&reopened, decodeNanoseconds: 0, clock: reopened.endNanoseconds)
    #expect(frames.frame.sensors[1].blockedSectors == 1, "one clear revolution does not clear")
    let grid = frames.framer.grid
    #expect(grid.logOdds(column: blocked.column, row: blocked.row) == before)
    #expect(grid.state(column: open.column, row: open.row) == .free)
    #expect(frames.sensors.health[1].pointsBlocked > 0)
  }
}

/// The config's sensor tables: every bad input refused with the key that is wrong.
@Suite struct RigConfigTests {
  static let mount =
    "mount = { x = 1.0, y = 0.0, z = 1.9, roll_deg = 0.0, pitch_deg = 0.0, yaw_deg = 0.0 }"

  func error(_ text: String) -> String {
    do {
      _ = try SightlineConfig.parse(text, file: "rig.toml")
      return "no error"
    } catch {
      return error.description
    }
  }

  func sensor(_ lines: String, name: String = "a", port: Int = 2368) -> String {
    "[[lidar.sensor]]\nname = \"\(name)\"\nport = \(port)\n" + lines + "\n"
  }

  @Test func badSensorTablesNameTheirKey() {
    let nan =
      "mount = { x = nan, y = 0.0, z = 1.9, roll_deg = 0.0, pitch_deg = 0.0, yaw_deg = 0.0 }"
    #expect(
      error(sensor(nan)).hasPrefix("rig.toml: lidar.sensor: [1].mount.x: nan is not a finite"))
    let missing = "mount = { x = 1.0, y = 0.0, z = 1.9, roll_deg = 0.0, pitch_deg = 0.0 }"
    #expect(error(sensor(missing)) == "rig.toml: lidar.sensor: [1].mount.yaw_deg: missing")
    #expect(
      error("[[lidar.sensor]]\nname = \"a\"\nport = 2368\n")
        == "rig.toml: lidar.sensor: [1].mount: missing")
    #expect(
      error(sensor(Self.mount) + sensor(Self.mount, name: "b"))
        == "rig.toml: lidar.sensor[2].port: port 2368 is already a's: each sensor sends to ports of its own"
    )
    #expect(
      error(
        sensor(Self.mount + "\nposition_port = 2369") + sensor(Self.mount, name: "b", port: 2369)
      )
      .hasPrefix("rig.toml: lidar.sensor[2].port: port 2369 is already a's"))
    #expect(
      error(sensor(Self.mount + "\nmodel = \"VLP-17\"")).hasPrefix(
        "rig.toml: lidar.sensor: [1].model: unknown model \"VLP-17\""))
    #expect(
      error(sensor(Self.mount) + sensor(Self.mount, name: "a", port: 2369))
        == "rig.toml: lidar.sensor[2].name: \"a\" names two sensors")
    #expect(
      error(sensor(Self.mount + "\ncalibration = \"x.xml\"")).hasPrefix(
        "rig.toml: lidar.sensor[1].calibration: a calibration file describes one model"))
    #expect(
      error(sensor(Self.mount + "\nsize = 3")).hasPrefix(
        "rig.toml: lidar.sensor: [1].size: unknown key"))
    #expect(
      error("[lidar]\nframe_sensor = \"c\"\n" + sensor(Self.mount)).hasPrefix(
        "rig.toml: lidar.frame_sensor: \"c\" is not an enabled sensor"))
    #expect(
      error("[lidar]\nmodel = \"VLP-16\"\n" + sensor(Self.mount)).hasPrefix(
        "rig.toml: lidar.model: with [[lidar.sensor]] tables"))
    #expect(
      error(sensor(Self.mount + "\nenabled = false"))
        == "rig.toml: lidar.sensor: every sensor is disabled: enable one")
    #expect(
      error("[vehicle]\ngnss_antenna = { x = 1.0, y = inf, z = 0.0 }\n").hasPrefix(
        "rig.toml: vehicle.gnss_antenna: y: expected a finite number"))
  }

  /// A calibration file for another model than the sensor's is refused when the stream is
  /// built, naming the sensor's key.
  @Test func aCalibrationForTheWrongModelNamesTheSensor() throws {
    let calibration = sharedData("lidar/calibration/VLP-16.xml")
    try #require(FileManager.default.fileExists(atPath: calibration))
    var config = try SightlineConfig.parse(
      sensor(Self.mount)
        + sensor(
          Self.mount + "\nmodel = \"VLS-128\"\ncalibration = \"\(calibration)\"", name: "b",
          port: 2369),
      file: "rig.toml")
    config.lidar.sensors[1].calibrationPath = calibration
    #expect(throws: ConfigError.self) { try LidarRig(config: config) }
    do {
      _ = try LidarRig(config: config)
    } catch let error as ConfigError {
      #expect(error.key == "lidar.sensor[2].calibration", "\(error)")
    }
  }
}

func sharedData(_ path: String) -> String {
  repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/" + path).path
}

/// The bundled rig drives, replayed whole.
@Suite(.serialized) struct RigDriveTests {
  func replay(_ name: String, onFrame: ((GridFrame) throws -> Void)? = nil) throws
    -> ReplaySummary
  {
    let drive = try Drive.load(folder: repositoryRoot.appendingPathComponent("Replay/\(name)").path)
    var options = drive.replayOptions()
    options.config.publish.endpoint = uniqueEndpoint()
    return try Replay(options: options).run(context: try ZMQContext(), onFrameData: onFrame)
  }

  /// Two real sensors on two ports of one capture (`sightline merge` of two held-back
  /// captures): each gives the rig exactly what its own capture gives decoded alone.
  @Test func eachRealSensorGetsItsSoloCountFromTheMergedCapture() throws {
    let solo = CaptureMergeTests()
    try solo.requireInputs()
    let vls128 = try solo.decode(CaptureMergeTests.vls128)
    let vlp16 = try solo.decode(CaptureMergeTests.vlp16)
    let summary = try replay("two-velodynes")
    let sensors = Dictionary(uniqueKeysWithValues: summary.sensors.map { ($0.name, $0) })
    let roof = try #require(sensors["vls128"])
    let second = try #require(sensors["vlp16"])
    #expect(roof.packets == vls128.decodedPackets && roof.points == vls128.points)
    #expect(second.packets == vlp16.decodedPackets && second.points == vlp16.points)
    #expect(roof.packets == 2193 && roof.points == 764_149)
    #expect(second.packets == 293 && second.points == 73_486)
    // Both sensors' sweeps reached the frames (none refused for its clock).
    #expect(roof.pointsInFrames > 0 && second.pointsInFrames > 0 && second.sweepsClockOff == 0)
  }

  /// The synthetic rig: the front-left corner is covered with mud (no returns in its own
  /// azimuth −30°…30°) from 1.5 s to 3.5 s. It is flagged in those sectors only, within
  /// 6 revolutions of it starting (5 empty ones, and the frame its sweep joins), and cleared
  /// within 4 of it ending.
  @Test func theSyntheticRigsMudIsFlaggedInItsSectorsInTime() throws {
    let start: Int64 = 1_772_446_500_000_000_000
    var flagged: [(time: Double, sectors: UInt64)] = []
    var statuses: Set<FrameSensor.Status> = []
    _ = try replay("rig") { frame in
      let corner = try #require(frame.sensors.first { $0.name == "front-left" })
      statuses.insert(corner.status)
      if corner.blockedSectors != 0 {
        flagged.append(
          (Double(frame.referenceTimeNanoseconds - start) / 1e9, corner.blockedSectors))
      }
      for other in frame.sensors where other.name != "front-left" {
        #expect(other.blockedSectors == 0, "\(other.name) at \(frame.referenceTimeNanoseconds)")
      }
    }
    // −30°…30° of the sensor's own azimuth: sectors 33, 34, 35, 0, 1, 2.
    let mud: UInt64 = (1 << 33) | (1 << 34) | (1 << 35) | 0b111
    let first = try #require(flagged.first)
    let last = try #require(flagged.last)
    #expect(flagged.allSatisfy { $0.sectors & ~mud == 0 }, "\(flagged)")
    #expect(flagged.contains { $0.sectors == mud })
    #expect(first.time > 1.5 && first.time <= 1.5 + 0.6, "\(first.time)")
    #expect(last.time >= 3.5 && last.time <= 3.5 + 0.4, "\(last.time)")
    #expect(statuses.contains(.blocked))
  }
}

/// A GNSS ego is the antenna's track: the vehicle's origin is the antenna's lever arm behind
/// it, turned with the heading.
@Suite struct RigAntennaTests {
  @Test func theVehicleIsTheAntennasLeverArmFromItsFix() throws {
    var config = SightlineConfig()
    config.vehicle.gnssAntenna = SIMD3(1.0, 0.5, 1.5)
    let frames = FrameLoop(config: config, live: false, sinks: [])
    let plane = EgoSourceTests.plane
    let t0 = EgoSourceTests.t0
    // Driving north at 10 m/s (course 0°: ENU yaw π/2), fixes a second apart.
    for second in 0...2 {
      let geo = plane.geodetic(ENUPoint(east: 0, north: 10 * Double(second)))
      frames.observe(
        GNSSFix(
          utcNanoseconds: t0 + Int64(second) * 1_000_000_000, latitude: geo.latitudeDegrees,
          longitude: geo.longitudeDegrees, speedMetersPerSecond: 10, courseDegrees: 0))
    }
    let time = t0 + 1_000_000_000
    let antenna = try #require(frames.timeline.ego.state(at: time))
    let vehicle = try #require(frames.egoState(at: time))
    // Facing north, the antenna 1 m forward and 0.5 m left: the vehicle is 1 m south and
    // 0.5 m east of it.
    #expect(abs(vehicle.position.north - (antenna.position.north - 1.0)) < 1e-6)
    #expect(abs(vehicle.position.east - (antenna.position.east + 0.5)) < 1e-6)
    // Ground truth is base_link's own: no lever arm.
    frames.antenna = .zero
    let truth = try #require(frames.egoState(at: time))
    #expect(truth.position.north == antenna.position.north)
  }
}

/// A live run reading two sensors on two ports: both sensors' points reach the frames, each
/// with its own status, through the ingest thread's sockets and the mailbox.
@Suite(.serialized) struct RigLiveTests {
  @Test func aLiveRunTakesBothSensorsOfARig() throws {
    // A free port for the second sensor (the first is bound wherever the run likes).
    let secondPort = try UDPReceiver(
      bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 1 << 16
    ).boundPort
    let rig = try LiveRig(seconds: 3) { options in
      var first = LidarSensorConfig(name: "front")
      first.port = 2368
      first.positionPort = 8308
      var second = LidarSensorConfig(name: "rear")
      second.port = secondPort
      second.mount = MountPose(x: -1, y: 0, z: 0, yawDegrees: 180)
      options.config.lidar.sensors = [first, second]
    }
    rig.feed.secondSensorPort.store(secondPort, ordering: .relaxed)
    rig.start()
    let (observed, summary) = try rig.finish()
    let withLidar = observed.frames.filter { !$0.flags.contains(GridFrame.Flags.lidarAbsent) }
    #expect(withLidar.count >= 8, "\(withLidar.count) frames with LiDAR")
    let both = withLidar.filter { frame in
      frame.sensors.count == 2 && frame.sensors.allSatisfy { $0.pointsInFrame > 0 }
    }
    #expect(both.count >= withLidar.count / 2, "\(both.count) of \(withLidar.count) frames")
    #expect(withLidar.last?.sensors.map(\.name) == ["front", "rear"])
    #expect(summary.sweepsDroppedFrameLoopBusy == 0)
  }
}
