import Foundation
import Testing

@testable import SightlineScenario

/// `[[lidar.sensor]]` tables and `[ego] gnss_antenna` read strictly, errors naming file, line
/// and key like the rest of the file.
@Suite struct RigFileTests {
  static let rig = """
    name = "r"
    duration_s = 1.0
    seed = 7
    origin = { latitude = 40.0, longitude = -3.0, height_m = 600.0 }

    [lidar]
    range_noise_m = 0.0

    [[lidar.sensor]]
    name = "roof"
    model = "VLS-128"
    port = 2368
    position_port = 8308
    mount = { x = 1.2, y = 0.0, z = 1.9, roll_deg = 0.0, pitch_deg = 0.0, yaw_deg = 0.0 }

    [[lidar.sensor]]
    name = "left"
    model = "VLP-16"
    port = 2369
    mount = { x = 3.6, y = 0.8, z = 0.6, roll_deg = 0.0, pitch_deg = 3.0, yaw_deg = 45.0 }
    rpm = 603
    phase_deg = 90.0

    [[lidar.sensor.blockage]]
    from_deg = -30.0
    to_deg = 30.0
    start_s = 0.2
    end_s = 0.6

    [radio]
    latency_ms = 100

    [ego]
    start = { x = 0.0, y = 0.0, heading_deg = 90.0, speed = 2.0 }
    gnss_antenna = { x = 0.5, y = -0.2, z = 1.5 }

    """

  @Test func aRigReadsWithItsDefaults() throws {
    let scenario = try ScenarioFile.parse(Self.rig, file: "t.toml")
    #expect(scenario.rig.map(\.name) == ["roof", "left"])
    #expect(scenario.sensors == scenario.rig)
    let roof = scenario.rig[0]
    #expect(roof.model == .vls128 && roof.port == 2368 && roof.positionPort == 8308)
    #expect(roof.rpm == 600 && roof.phaseDegrees == 0 && roof.blockages.isEmpty)
    #expect(roof.mount == SensorMount(x: 1.2, y: 0, z: 1.9))
    let left = scenario.rig[1]
    #expect(left.model == .vlp16 && left.port == 2369 && left.positionPort == nil)
    #expect(left.rpm == 603 && left.phaseDegrees == 90)
    #expect(abs(left.mount.yaw - .pi / 4) < 1e-15 && abs(left.mount.pitch - .pi / 60) < 1e-15)
    #expect(left.mount.degrees.yaw == 45 && left.mount.degrees.pitch == 3)
    #expect(
      left.blockages == [.init(fromDegrees: -30, toDegrees: 30, start: 0.2, end: 0.6)])
    #expect(scenario.gnssAntenna == SensorMount.Vector(x: 0.5, y: -0.2, z: 1.5))
    // The rig's first sensor is the one the truth's header names.
    #expect(scenario.sensor == .vls128 && scenario.scene.sensorHeight == 1.9)
  }

  @Test func aScenarioWithoutARigHasItsOneSensorOnTheDefaultPorts() throws {
    let scenario = try ScenarioFile.parse(ScenarioFileTests.minimal, file: "t.toml")
    #expect(scenario.rig.isEmpty && scenario.gnssAntenna == SensorMount.Vector(x: 0, y: 0, z: 0))
    #expect(
      scenario.sensors == [
        RigSensor(
          name: "lidar", model: .vls128, port: 2368, positionPort: 8308,
          mount: SensorMount(z: 1.9))
      ])
  }

  /// (text, its replacement, the error's beginning).
  @Test(arguments: [
    ("z = 0.6,", "z = nan,", "t.toml:20: lidar.sensor[1].mount.z: must be finite, not nan"),
    (", yaw_deg = 45.0 }", " }", "t.toml:20: lidar.sensor[1].mount.yaw_deg: missing"),
    (
      "mount = { x = 3.6, y = 0.8,", "mount = { x = 3.6,",
      "t.toml:20: lidar.sensor[1].mount.y: missing"
    ),
    ("z = 1.9,", "z = -1.9,", "t.toml:14: lidar.sensor[0].mount.z: must be above 0.0"),
    (
      "port = 2369", "port = 2368",
      "t.toml:19: lidar.sensor[1].port: port 2368 is already port of \"roof\""
    ),
    (
      "port = 2369", "port = 8308",
      "t.toml:19: lidar.sensor[1].port: port 8308 is already position_port of \"roof\""
    ),
    ("port = 2369", "port = 70000", "t.toml:19: lidar.sensor[1].port: must be a UDP port"),
    (
      "name = \"left\"", "name = \"roof\"",
      "t.toml:17: lidar.sensor[1].name: \"roof\" names two sensors"
    ),
    (
      "name = \"left\"", "name = \"left side\"",
      "t.toml:17: lidar.sensor[1].name: must be 1–32 letters"
    ),
    ("\"VLP-16\"", "\"HDL-64E\"", "t.toml:18: lidar.sensor[1].model: unknown value \"HDL-64E\""),
    (
      "port = 2369\n", "port = 2369\nposition_port = 8309\n",
      "t.toml:20: lidar.sensor[1].position_port: only one sensor relays"
    ),
    (
      "position_port = 8308\n", "",
      "t.toml:9: lidar.sensor: ego.source \"gprmc\" needs one sensor with a position_port"
    ),
    ("rpm = 603", "rpm = 603.5", "t.toml:21: lidar.sensor[1].rpm: must be whole, not 603.5"),
    ("rpm = 603", "rpm = 5000", "t.toml:21: lidar.sensor[1].rpm: 5000.0 is outside 300.0…1200.0"),
    ("phase_deg = 90.0", "phase = 90.0", "t.toml:22: lidar.sensor[1].phase: unknown key"),
    (
      "end_s = 0.6", "end_s = 0.1",
      "t.toml:28: lidar.sensor[1].blockage[0].end_s: must be after start_s (0.2), not 0.1"
    ),
    (
      "to_deg = 30.0", "to_deg = 400.0",
      "t.toml:26: lidar.sensor[1].blockage[0].to_deg: must be above from_deg (-30.0) by at most 360"
    ),
    (
      "range_noise_m = 0.0", "range_noise_m = 0.0\nheight_m = 1.9",
      "t.toml:8: lidar.height_m: not with [[lidar.sensor]] tables"
    ),
    (
      "range_noise_m = 0.0", "range_noise_m = 0.0\nreturns = \"dual\"",
      "t.toml:12: lidar.sensor[0].model: a VLS-128 cannot be written in dual return"
    ),
    (
      "gnss_antenna = { x = 0.5,", "gnss_antenna = { x = inf,",
      "t.toml:35: ego.gnss_antenna.x: must be finite, not inf"
    ),
    ("z = 1.5 }", "z = 1.5, w = 1 }", "t.toml:35: ego.gnss_antenna.w: unknown key"),
  ])
  func badRigsNameTheFileLineAndKey(_ original: String, _ replacement: String, _ expected: String)
    throws
  {
    var text = Self.rig
    let range = try #require(text.range(of: original, options: .backwards))
    text.replaceSubrange(range, with: replacement)
    let error = try #require(throws: ScenarioFileError.self) {
      try ScenarioFile.parse(text, file: "t.toml")
    }
    #expect(error.description.hasPrefix(expected), "\(error.description)")
  }

  @Test func aMountRotatesAsRollThenPitchThenYaw() {
    // Pitched 90° (the x axis points straight down), then yawed 90°. By hand, Ry(90°) takes
    // x → (0, 0, −1), y → y, z → (1, 0, 0); Rz(90°) then takes (1, 0, 0) → (0, 1, 0) and
    // (0, 1, 0) → (−1, 0, 0).
    let mount = SensorMount(x: 1, y: 2, z: 3, roll: 0, pitch: .pi / 2, yaw: .pi / 2)
    func near(_ a: SensorMount.Vector, _ b: SensorMount.Vector) -> Bool {
      abs(a.x - b.x) < 1e-12 && abs(a.y - b.y) < 1e-12 && abs(a.z - b.z) < 1e-12
    }
    let r = mount.rotation
    #expect(near(r.apply(.init(x: 1, y: 0, z: 0)), .init(x: 0, y: 0, z: -1)))
    #expect(near(r.apply(.init(x: 0, y: 1, z: 0)), .init(x: -1, y: 0, z: 0)))
    #expect(near(r.apply(.init(x: 0, y: 0, z: 1)), .init(x: 0, y: 1, z: 0)))
    // Rolled 90°: the sensor's y axis is the vehicle's z; and the offset is added after.
    let rolled = SensorMount(x: 1, y: 2, z: 3, roll: .pi / 2)
    #expect(near(rolled.vehiclePoint(.init(x: 0, y: 1, z: 0)), .init(x: 1, y: 2, z: 4)))
    // Roll first, then pitch: (0, 1, 0) rolled 90° is (0, 0, 1), pitched 90° is (1, 0, 0).
    let both = SensorMount(roll: .pi / 2, pitch: .pi / 2)
    #expect(near(both.rotation.apply(.init(x: 0, y: 1, z: 0)), .init(x: 1, y: 0, z: 0)))
    let any = SensorMount(x: 0.3, y: -1, z: 2, roll: 0.2, pitch: -0.4, yaw: 2.5)
    let point = SensorMount.Vector(x: 4, y: -5, z: 6)
    #expect(near(any.sensorPoint(any.vehiclePoint(point)), point))
  }

  @Test func aBlockedSectorRunsCounterClockwiseAndWraps() {
    let forward = RigSensor.Blockage(fromDegrees: -30, toDegrees: 30, start: 1, end: 2)
    #expect(forward.covers(azimuthDegrees: 0) && forward.covers(azimuthDegrees: 350))
    #expect(forward.covers(azimuthDegrees: -29) && !forward.covers(azimuthDegrees: 31))
    #expect(!forward.covers(azimuthDegrees: 180) && !forward.covers(azimuthDegrees: 329))
    let back = RigSensor.Blockage(fromDegrees: 300, toDegrees: 400, start: 1, end: 2)
    #expect(back.covers(azimuthDegrees: 359) && back.covers(azimuthDegrees: 39))
    #expect(!back.covers(azimuthDegrees: 41) && !back.covers(azimuthDegrees: 299))
    #expect(forward.isActive(at: 1) && forward.isActive(at: 1.99) && !forward.isActive(at: 2))
    #expect(!forward.isActive(at: 0.99))
  }
}
