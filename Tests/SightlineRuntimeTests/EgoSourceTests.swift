import Foundation
import SightlineLidar
import SightlinePipeline
import SightlineSchema
import SightlineTimeline
import SightlineV2X
import SightlineVelodyne
import Testing

/// The ego pose's sources (`[ego]`): the config and its errors, localization poses checked,
/// counted and interpolated with their orientation and covariance, and the own-BSM source
/// making the ego instead of an agent.
@Suite struct EgoSourceTests {
  static let origin = GeodeticPosition(latitudeDegrees: 42.3, longitudeDegrees: -83.4)
  static let plane = LocalTangentPlane(origin: origin)
  static let t0: Int64 = 1_700_000_000_000_000_000

  /// A pose on a curving path: east 8 m/s, north 2 m/s, yaw turning at 0.2 rad/s, roll 0.01.
  static func pose(at seconds: Double, covarianceScale: Double = 1) -> LocalizationPose {
    var pose = LocalizationPose()
    pose.timeNanoseconds = t0 + Int64((seconds * 1e9).rounded())
    let geo = plane.geodetic(ENUPoint(east: 8 * seconds, north: 2 * seconds, up: 0))
    pose.latitudeDegrees = geo.latitudeDegrees
    pose.longitudeDegrees = geo.longitudeDegrees
    pose.altitudeMeters = geo.heightMeters
    pose.yaw = 0.1 + 0.2 * seconds
    pose.roll = 0.01
    pose.pitch = -0.02
    pose.speedMetersPerSecond = (68 as Double).squareRoot()
    var covariance = [Double](repeating: 0, count: 36)
    for (index, variance) in [0.04, 0.09, 0.25, 1e-4, 1e-4, 4e-4].enumerated() {
      covariance[index * 7] = variance * covarianceScale
    }
    covariance[1] = 0.01 * covarianceScale
    covariance[6] = 0.01 * covarianceScale
    pose.covariance = covariance
    pose.frameID = "base_link"
    return pose
  }

  /// A frame loop whose timeline anchors its plane at `origin` (the first pose is there).
  static func loop(_ configure: (inout SightlineConfig) -> Void = { _ in }) -> FrameLoop {
    var config = SightlineConfig()
    config.grid.columns = 100
    config.grid.rows = 100
    configure(&config)
    return FrameLoop(config: config, live: false, sinks: [])
  }

  static func localization(_ config: inout SightlineConfig) {
    config.ego.source = .localization
    config.ego.endpoint = "tcp://127.0.0.1:1"
  }

  @Test(arguments: [10.0, 100.0])
  func posesAtAnyRateAreInterpolatedAtASweepTime(rate: Double) throws {
    let frames = Self.loop(Self.localization)
    var ingest = EgoPoseIngest()
    for index in 0...Int(rate) {  // one second of poses
      let bytes = Self.pose(at: Double(index) / rate).encode()
      let observation = bytes.withUnsafeBytes {
        ingest.ingest($0, receiveTimeNanoseconds: Self.t0 + Int64(index) * 1_000_000)
      }
      frames.observe(try #require(observation))
    }
    #expect(ingest.counters.accepted == Int(rate) + 1)
    // A sweep time between poses: position on the path, yaw interpolated, not from the track.
    let time = Self.t0 + 537_300_000
    let state = try #require(frames.timeline.ego.state(at: time))
    let expected = Self.pose(at: 0.5373)
    let where_ = Self.plane.enu(
      GeodeticPosition(
        latitudeDegrees: expected.latitudeDegrees, longitudeDegrees: expected.longitudeDegrees,
        heightMeters: expected.altitudeMeters))
    #expect(abs(state.position.east - where_.east) < 1e-3, "\(state.position) \(where_)")
    #expect(abs(state.position.north - where_.north) < 1e-3)
    #expect(abs(state.yaw - expected.yaw) < 1e-9)
    #expect(abs(state.roll - 0.01) < 1e-12 && abs(state.pitch + 0.02) < 1e-12)
    #expect(abs(state.speed - (68 as Double).squareRoot()) < 1e-9)
    // Yaw rate from consecutive poses' yaw: 0.2 rad/s.
    #expect(abs(state.yawRate - 0.2) < 1e-6)
    // The frame's status names the source.
    #expect(frames.egoSource == .localization)
    #expect(
      frames.timeline.egoStatus(at: Self.t0 + 1_100_000_000).poseAgeNanoseconds == 100_000_000)
  }

  @Test func covarianceIsCarriedAndInterpolated() throws {
    let frames = Self.loop(Self.localization)
    var ingest = EgoPoseIngest()
    for (index, scale) in [1.0, 3.0].enumerated() {
      let pose = Self.pose(at: Double(index) * 0.1, covarianceScale: scale)
      let observation = ingest.ingest(pose, receiveTimeNanoseconds: 0)
      frames.observe(try #require(observation))
    }
    let first = try #require(frames.timeline.ego.state(at: Self.t0))
    let covariance = try #require(first.covariance)
    #expect(covariance.rowMajor == Self.pose(at: 0).covariance)
    // The isotropic variance is the horizontal block's larger eigenvalue.
    let a = 0.04
    let d = 0.09
    let b = 0.01
    let major = (a + d) / 2 + (((a - d) / 2) * ((a - d) / 2) + b * b).squareRoot()
    #expect(abs(first.positionVariance - major) < 1e-12)
    let middle = try #require(frames.timeline.ego.state(at: Self.t0 + 50_000_000)?.covariance)
    #expect(abs(middle[5, 5] - 4e-4 * 2) < 1e-12)
    #expect(abs(middle[0, 1] - 0.01 * 2) < 1e-12)
  }

  @Test func badPosesAreCountedByReasonAndNeverTrap() throws {
    var ingest = EgoPoseIngest()
    let garbage: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
    let none = garbage.withUnsafeBytes { ingest.ingest($0, receiveTimeNanoseconds: 1) }
    #expect(none == nil)
    var bad = [LocalizationPose]()
    var pose = Self.pose(at: 0)
    pose.latitudeDegrees = 91
    bad.append(pose)
    pose = Self.pose(at: 0)
    pose.covariance.removeLast()
    bad.append(pose)
    pose = Self.pose(at: 0)
    pose.covariance[1] = 0.5  // not symmetric
    bad.append(pose)
    pose = Self.pose(at: 0)
    pose.yaw = .nan
    bad.append(pose)
    pose = Self.pose(at: 0)
    pose.timeNanoseconds = 0
    bad.append(pose)
    for pose in bad {
      let refused = pose.encode().withUnsafeBytes { ingest.ingest($0, receiveTimeNanoseconds: 1) }
      #expect(refused == nil)
    }
    let huge = [UInt8](repeating: 0, count: EgoPoseIngest.maximumPayloadBytes + 1)
    let oversized = huge.withUnsafeBytes { ingest.ingest($0, receiveTimeNanoseconds: 1) }
    #expect(oversized == nil)
    #expect(ingest.counters.received == 7)
    #expect(ingest.counters.malformed == 1)
    #expect(ingest.counters.invalid == 5)
    #expect(ingest.counters.oversized == 1)
    #expect(ingest.counters.accepted == 0)
    // The frames' counters carry them by reason.
    let frames = Self.loop(Self.localization)
    frames.counters.update(
      lidar: LidarTotals(), v2x: nil, timeline: frames.timeline, egoPoses: ingest.counters)
    let drops = Dictionary(
      uniqueKeysWithValues: frames.counters.drops.map { ($0.reason, $0.count) })
    #expect(drops["ego.pose_malformed"] == 1)
    #expect(drops["ego.pose_invalid"] == 5)
    #expect(drops["ego.pose_oversized"] == 1)
  }

  @Test func onlyTheChosenSourceMakesTheEgo() throws {
    let frames = Self.loop(Self.localization)
    let geo = Self.plane.geodetic(ENUPoint(east: 50, north: 0))
    frames.observe(
      GNSSFix(
        utcNanoseconds: Self.t0, latitude: geo.latitudeDegrees, longitude: geo.longitudeDegrees,
        speedMetersPerSecond: 1, courseDegrees: 90))
    #expect(frames.timeline.ego.count == 0)
    // And the other way: the GNSS source ignores localization poses.
    let gnss = Self.loop()
    var ingest = EgoPoseIngest()
    let observation = ingest.ingest(Self.pose(at: 0), receiveTimeNanoseconds: 0)
    gnss.observe(try #require(observation))
    #expect(gnss.timeline.ego.count == 0)
    #expect(gnss.egoStatus.source == .gnss && gnss.egoStatus.stale)
  }

  @Test func theOwnBSMMakesTheEgoAndNoAgent() throws {
    let own: UInt32 = 0x5EED_0001
    let frames = Self.loop {
      $0.ego.source = .bsm
      $0.ego.temporaryID = own
    }
    var ingest = V2XIngest()
    defer { ingest.release() }
    let now = Int64(Date().timeIntervalSince1970 * 1e9)
    for (index, id) in [own, 0x0000_0BAD, own].enumerated() {
      let bytes = try parkedCarBSM(id: id, count: index, latitude: 423_000_000 + Int32(index) * 10)
      let observation = bytes.withUnsafeBytes {
        ingest.ingest($0, format: .uper, receiveTimeNanoseconds: now + Int64(index) * 1_000_000)
      }
      frames.observe(try #require(observation))
    }
    #expect(frames.timeline.ego.count >= 1)
    // After the BSMs' own times (secMark, stamped as they were made).
    let frameTime = now + 100_000_000
    try frames.processWithoutLidar(at: frameTime, silentNanoseconds: 1, clock: frameTime)
    let frame = frames.frame
    #expect(frame.flags.contains(.egoKnown))
    #expect(frame.agents.map(\.id) == [0x0000_0BAD])
    #expect(frames.egoStatus.source == .bsm)
    #expect(frames.egoStatus.poses == UInt64(frames.timeline.ego.count))
  }

  @Test func configNamesTheKeyAtFault() {
    #expect(configError("[ego]\nsource = \"localization\"\n")?.key == "ego.endpoint")
    #expect(configError("[ego]\nsource = \"bsm\"\n")?.key == "ego.temporary_id")
    #expect(configError("[ego]\nsource = \"gps\"\n")?.key == "ego.source")
    #expect(
      configError("[ego]\nsource = \"bsm\"\ntemporary_id = \"5EED001\"\n")?.key
        == "ego.temporary_id")
    #expect(
      configError("[ego]\nsource = \"bsm\"\ntemporary_id = \"5EED00G1\"\n")?.key
        == "ego.temporary_id")
    #expect(configError("[ego]\nendpoint = \"tcp://127.0.0.1:5580\"\n")?.key == "ego.endpoint")
    #expect(configError("[ego]\nendpoint = \"localhost\"\n")?.key == "ego.endpoint")
    #expect(configError("[ego]\nmax_age_ms = 0\n")?.key == "ego.max_age_ms")
    #expect(configError("[ego]\nsoruce = \"bsm\"\n")?.key == "ego.soruce")
    #expect(configError("[ego]\ntopic = \"a\\u0000b\"\n")?.key == "ego.topic")
  }

  @Test func configReadsEveryEgoKey() throws {
    let localization = try SightlineConfig.parse(
      """
      [ego]
      source = "localization"
      endpoint = "tcp://127.0.0.1:5580"
      topic = "kinematic_state"
      bind = true
      max_age_ms = 200
      """, file: "test.toml")
    #expect(localization.ego.source == .localization)
    #expect(localization.ego.endpoint == "tcp://127.0.0.1:5580")
    #expect(localization.ego.topic == "kinematic_state")
    #expect(localization.ego.bind)
    #expect(localization.ego.maxAgeMilliseconds == 200)
    let bsm = try SightlineConfig.parse(
      "[ego]\nsource = \"bsm\"\ntemporary_id = \"5eed0001\"\n", file: "test.toml")
    #expect(bsm.ego.temporaryID == 0x5EED_0001)
    // The source cannot change while running: a reload that changes it is refused.
    #expect(bsm.changedFixedSections(from: SightlineConfig()) == ["ego"])
  }
}
