import Foundation
import SightlineGrid
import SightlineLidar
import SightlineSchema
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
    sweep.segments = [SweepSegment(sensor: 0, range: 0..<1, originX: 3.6, originY: -0.8, originZ: 0.6)]
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
