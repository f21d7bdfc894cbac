import Foundation
import SightlinePipeline
import SightlineReplay
import SightlineRigCheck
import SightlineTools
import Testing

/// Per-sensor reports and the mount check on the bundled rigs: Replay/rig (synthetic, mounts
/// known exactly) and Replay/two-velodynes (real, 3 MB).
@Suite(.serialized) struct RigCheckTests {
  static let rig = repositoryRoot.appendingPathComponent("Replay/rig").path
  static let twoVelodynes = repositoryRoot.appendingPathComponent("Replay/two-velodynes").path

  /// The mount checks over the rig drive's first second, with `change` applied to its config.
  func mounts(_ change: (inout SightlineConfig) -> Void = { _ in }) throws -> [String: MountReport]
  {
    let drive = try Drive.load(folder: Self.rig)
    var config = drive.config
    change(&config)
    let reports = try RigPass.mounts(capture: drive.lidarPath, config: config)
    #expect(
      reports.map { "\($0.first)/\($0.second)" } == [
        "roof/front-left", "roof/front-right", "front-left/front-right",
      ])
    return Dictionary(uniqueKeysWithValues: reports.map { ("\($0.first)/\($0.second)", $0) })
  }

  @Test func theRigsOwnMountsAgree() throws {
    let reports = try mounts()
    for key in ["roof/front-left", "roof/front-right"] {
      let report = try #require(reports[key])
      let height = try #require(report.heightDifferenceMeters, "\(key): \(report.line)")
      #expect(abs(height) < 0.05, "\(key): \(report.line)")
      #expect((report.overlapCells ?? 0) >= 12, "\(key): \(report.line)")
    }
  }

  @Test func aCornerSensorMountedTooHighShowsAsAHeightDifference() throws {
    let reports = try mounts { config in
      let index = config.lidar.sensors.firstIndex { $0.name == "front-left" }!
      config.lidar.sensors[index].mount.z += 0.15
    }
    let raised = try #require(reports["roof/front-left"])
    let height = try #require(raised.heightDifferenceMeters, "\(raised.line)")
    #expect(abs(height - 0.15) < 0.03, "\(raised.line)")
    let untouched = try #require(reports["roof/front-right"]?.heightDifferenceMeters)
    #expect(abs(untouched) < 0.05)
  }

  @Test func aPairWithoutOverlapSaysSo() throws {
    let reports = try mounts { config in
      let index = config.lidar.sensors.firstIndex { $0.name == "front-right" }!
      config.lidar.sensors[index].mount.x += 500
    }
    let apart = try #require(reports["roof/front-right"])
    #expect(apart.heightDifferenceMeters == nil)
    #expect(apart.failure?.hasPrefix("no overlap") == true, "\(apart.line)")
  }

  @Test func inspectReportsEachSensorOfARig() throws {
    let drive = try Drive.load(folder: Self.twoVelodynes)
    let report = try Inspect.run(capture: drive.lidarPath, config: drive.config)
    let sensors = try #require(report.sensors)
    #expect(sensors.map(\.name) == ["vls128", "vlp16"])
    #expect(sensors.map(\.port) == [2368, 2369])
    for sensor in sensors {
      #expect(sensor.packets > 0 && sensor.points > sensor.packets && sensor.sweeps > 0)
    }
    #expect(Inspect.text(report).contains { $0.hasPrefix("rig sensor vlp16 (port 2369)") })
    let single = try Inspect.run(capture: drive.lidarPath, config: SightlineConfig())
    #expect(single.sensors == nil)
  }

  @Test func inspectTakesAConfigAndPrintsSensorsInJSON() throws {
    let config = FileManager.default.temporaryDirectory.appendingPathComponent(
      "rigcheck-\(UUID().uuidString).toml")
    defer { try? FileManager.default.removeItem(at: config) }
    try """
    [lidar]
    frame_sensor = "vls128"

    [[lidar.sensor]]
    name = "vls128"
    port = 2368
    mount = { x = 0.0, y = 0.0, z = 2.0, roll_deg = 0.0, pitch_deg = 0.0, yaw_deg = 0.0 }

    [[lidar.sensor]]
    name = "vlp16"
    port = 2369
    position_port = 8308
    mount = { x = 0.0, y = 0.0, z = 1.6, roll_deg = 0.0, pitch_deg = 0.0, yaw_deg = 0.0 }
    """.write(to: config, atomically: true, encoding: .utf8)
    let capture = Self.twoVelodynes + "/two-velodynes.pcap"
    let result = try sightline(["inspect", capture, "--config", config.path, "--json"])
    #expect(result.status == 0, "\(result.errors)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let sensors = try #require(json["sensors"] as? [[String: Any]])
    #expect(sensors.compactMap { $0["name"] as? String } == ["vls128", "vlp16"])
  }
}
