import Foundation
import SightlineTimeline
import Testing

@testable import SightlineScenario

/// The ego's localization (`[ego] source = "localization"`): its poses are the truth's within
/// the stated noise, at its rate and latency, and the file's keys are read strictly.
@Suite struct EgoLocalizationTests {
  static let start: Int64 = 1_772_446_500_000_000_000

  /// The minimal file with a localization ego, a minute long (3000 poses: the spread shows).
  static func scenario(_ localization: String, duration: String = "60.0") throws -> Scenario {
    let text = ScenarioFileTests.minimal
      .replacingOccurrences(of: "duration_s = 4.0", with: "duration_s = \(duration)")
      .replacingOccurrences(
        of: "[ego]\n", with: "[ego]\nsource = \"localization\"\n\(localization)\n")
    return try ScenarioFile.parse(text, file: "t.toml")
  }

  /// Each pose against the truth at its time: (east, north, yaw) errors, in metres and radians.
  static func errors(_ scenario: Scenario, _ poses: [EgoLocalization.Pose]) -> [(
    Double, Double, Double
  )] {
    let origin = scenario.scene.origin
    let plane = LocalTangentPlane(
      origin: GeodeticPosition(
        latitudeDegrees: origin.latitude, longitudeDegrees: origin.longitude,
        heightMeters: origin.height))
    return poses.map { pose in
      let time = Double(pose.timeNanoseconds - start) / 1e9
      let truth = scenario.scene.ego.state(at: time).pose
      let at = plane.enu(
        GeodeticPosition(latitudeDegrees: pose.latitude, longitudeDegrees: pose.longitude))
      return (at.east - truth.x, at.north - truth.y, remainder(pose.yaw - truth.yaw, 2 * .pi))
    }
  }

  @Test func posesAreTheTruthWithinTheStatedNoise() throws {
    let scenario = try Self.scenario(
      "localization = { white_m = 0.05, bias_m = 0.04, yaw_sigma_deg = 0.2, latency_ms = 15 }")
    let model = scenario.egoLocalization
    #expect(scenario.egoSource == .localization && model.rate == 50 && model.latency == 0.015)
    let poses = EgoLocalization.poses(scenario: scenario, startNanoseconds: Self.start)
    #expect(poses.count == 3001)
    for (index, pose) in poses.enumerated() {
      #expect(pose.timeNanoseconds == Self.start + Int64(index) * 20_000_000)
      #expect(pose.receiveNanoseconds == pose.timeNanoseconds + 15_000_000)
      #expect(pose.yaw > -.pi && pose.yaw <= .pi && pose.altitude == 600)
    }
    let errors = Self.errors(scenario, poses)
    // Every error within 5σ of the reported total; none exact.
    for (east, north, yaw) in errors {
      #expect(abs(east) < 5 * model.positionSigma && abs(north) < 5 * model.positionSigma)
      #expect(abs(yaw) < 5 * model.yawSigma)
    }
    // The white part: neighbours 20 ms apart share the bias, so their difference is √2 white.
    let steps = zip(errors, errors.dropFirst()).map { ($1.0 - $0.0, $1.1 - $0.1) }
    let white =
      (steps.map { $0.0 * $0.0 + $0.1 * $0.1 }.reduce(0, +) / Double(2 * steps.count))
      .squareRoot() / 2.0.squareRoot()
    #expect(abs(white - 0.05) < 0.005, "white \(white)")
    let yaw = (errors.map { $0.2 * $0.2 }.reduce(0, +) / Double(errors.count)).squareRoot()
    #expect(abs(yaw - model.yawSigma) < 0.1 * model.yawSigma, "yaw \(yaw)")
    // The bias: the mean error over the minute is not zero, and within its 5σ.
    let meanEast = errors.map(\.0).reduce(0, +) / Double(errors.count)
    #expect(abs(meanEast) < 5 * 0.04 && errors.contains { $0.0 != 0 })
    // The covariance reports that noise: position on x, y, z; yaw on roll, pitch, yaw.
    let covariance = poses[0].covariance
    #expect(covariance.count == 36)
    for row in 0..<6 {
      for column in 0..<6 {
        let expected =
          row != column
          ? 0
          : row < 3
            ? model.positionSigma * model.positionSigma
            : model.yawSigma * model.yawSigma
        #expect(abs(covariance[row * 6 + column] - expected) < 1e-15, "\(row), \(column)")
      }
    }
  }

  /// The pose log's line is the replay's format (docs/SCHEMA.md): `t_ns`, then the message in
  /// protobuf's JSON mapping with `time_ns` as a string.
  @Test func aPoseLineIsTheLogsFormat() throws {
    let scenario = try Self.scenario("", duration: "1.0")
    let poses = EgoLocalization.poses(scenario: scenario, startNanoseconds: Self.start)
    #expect(poses.count == 51 && scenario.egoLocalization.latency == 0.01)
    let pose = poses[7]
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(pose.jsonLine.utf8)) as? [String: Any])
    #expect((object["t_ns"] as? NSNumber)?.int64Value == pose.receiveNanoseconds)
    let message = try #require(object["pose"] as? [String: Any])
    #expect(message["time_ns"] as? String == "\(pose.timeNanoseconds)")
    // Foundation's parser may miss the last bit; the text itself is exact (shortest round trip).
    func close(_ key: String, _ value: Double) -> Bool {
      guard let parsed = message[key] as? Double else { return false }
      return abs(parsed - value) <= 1e-12 * max(1, abs(value))
        && pose.jsonLine.contains("\"\(key)\": \(value)")
    }
    #expect(close("latitude_deg", pose.latitude) && close("longitude_deg", pose.longitude))
    #expect(close("yaw_rad", pose.yaw) && close("speed_mps", pose.speed))
    #expect(close("altitude_m", 600) && close("yaw_rate_rad_s", pose.yawRate))
    #expect(message["frame_id"] as? String == "base_link")
    let covariance = try #require(message["covariance"] as? [Double])
    #expect(covariance.count == 36)
    #expect(zip(covariance, pose.covariance).allSatisfy { abs($0 - $1) <= 1e-12 * max(1e-3, $1) })
  }

  /// The rig drive's ego is its localization, and its poses are the truth's within the noise.
  @Test func theRigDrivesEgoIsItsLocalization() throws {
    let scenario = try BundledScenario.load("rig")
    #expect(scenario.egoSource == .localization)
    let model = scenario.egoLocalization
    let poses = EgoLocalization.poses(scenario: scenario, startNanoseconds: Self.start)
    #expect(poses.count == Int(scenario.scene.duration * model.rate) + 1)
    for (east, north, yaw) in Self.errors(scenario, poses) {
      #expect(hypot(east, north) < 5 * model.positionSigma && abs(yaw) < 5 * model.yawSigma)
    }
  }

  @Test(arguments: [
    (
      "localization = { rate_hz = 50, colour = 1 }",
      "t.toml:14: ego.localization.colour: unknown key"
    ),
    (
      "localization = { latency_ms = -1 }",
      "t.toml:14: ego.localization.latency_ms: -1.0 is outside"
    ),
    ("localization = { white_m = nan }", "t.toml:14: ego.localization.white_m: must be finite"),
    ("localization = { rate_hz = 0 }", "t.toml:14: ego.localization.rate_hz: 0.0 is outside"),
  ])
  func badLocalizationKeysNameTheFileLineAndKey(_ table: String, _ expected: String) throws {
    let error = try #require(throws: ScenarioFileError.self) { try Self.scenario(table) }
    #expect(error.description.hasPrefix(expected), "\(error.description)")
  }

  @Test func aLocalizationTableNeedsThatSource() throws {
    let text = ScenarioFileTests.minimal.replacingOccurrences(
      of: "[ego]\n", with: "[ego]\nlocalization = { rate_hz = 50 }\n")
    let error = try #require(throws: ScenarioFileError.self) {
      try ScenarioFile.parse(text, file: "t.toml")
    }
    #expect(error.description.hasPrefix("t.toml:13: ego.localization: only with source"))
  }
}
