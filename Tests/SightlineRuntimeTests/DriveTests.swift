import Foundation
import SightlineZMQ
import Testing

@testable import SightlineReplay

/// Drive folders: what a manifest may say, the errors before anything runs, and bit-identical
/// replays.
@Suite struct DriveTests {
  static let bundled = ["vlp16-strongest-gps", "hdl32e-strongest-gps"].map {
    repositoryRoot.appendingPathComponent("Replay/\($0)").path
  }

  func replayDigest(_ drive: Drive) throws -> String {
    var options = drive.replayOptions()
    options.config.publish.endpoint = uniqueEndpoint()
    options.digest = true
    return try #require(try Replay(options: options).run(context: try ZMQContext()).digest).hex
  }

  @Test(arguments: bundled)
  func bundledDrivesReplayBitIdenticallyToTheirRecordedDigest(folder: String) throws {
    let drive = try Drive.load(folder: folder)
    let first = try replayDigest(drive)
    #expect(try replayDigest(drive) == first)
    #expect(
      drive.expectedDigest == first, "update expect.digest only when frames change on purpose")
  }

  /// A scratch drive folder holding `manifest`, the bundled capture and V2X log.
  func scratchDrive(_ manifest: String, v2x: String? = nil) throws -> String {
    let folder = NSTemporaryDirectory() + "sightline-drive-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: bundledCapture, toPath: folder + "/capture.pcap")
    let log = repositoryRoot.appendingPathComponent("Replay/vlp16-strongest-gps/v2x-real-bsm.jsonl")
    if let v2x {
      try v2x.write(toFile: folder + "/v2x.jsonl", atomically: true, encoding: .utf8)
    } else {
      try FileManager.default.copyItem(atPath: log.path, toPath: folder + "/v2x.jsonl")
    }
    try manifest.write(toFile: folder + "/drive.toml", atomically: true, encoding: .utf8)
    return folder
  }

  func loadError(_ manifest: String, v2x: String? = nil) throws -> String {
    let folder = try scratchDrive(manifest, v2x: v2x)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    do {
      _ = try Drive.load(folder: folder)
      return "loaded"
    } catch {
      return error.description
    }
  }

  @Test func aManifestCarriesConfigOverridesAndTheEgoSource() throws {
    let folder = try scratchDrive(
      """
      name = "scratch"
      [lidar]
      pcap = "capture.pcap"
      [v2x]
      log = "v2x.jsonl"
      [ego]
      source = "none"
      [config.grid]
      columns = 300
      rows = 200
      """)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let drive = try Drive.load(folder: folder)
    #expect(drive.config.grid.columns == 300 && drive.config.grid.rows == 200)
    #expect(drive.ego == .none && !drive.replayOptions().egoFromGNSS)
    #expect(drive.v2xPath?.hasSuffix("v2x.jsonl") == true)
  }

  @Test func badDrivesAreClearErrorsBeforeAnythingRuns() throws {
    #expect(
      try loadError("[lidar]\npcap = \"missing.pcap\"\n").contains(
        "missing.pcap, which does not exist"))
    #expect(
      try loadError("[lidar]\npcap = \"capture.pcap\"\nspeed = 3\n").contains(
        "unknown key lidar.speed"))
    #expect(
      try loadError("colour = \"red\"\n[lidar]\npcap = \"capture.pcap\"\n").contains(
        "unknown key colour"))
    #expect(try loadError("[v2x]\nlog = \"v2x.jsonl\"\n").contains("[lidar]"))
    #expect(
      try loadError("[lidar]\npcap = \"capture.pcap\"\n[config.grid]\ncolumns = -4\n")
        .contains("config.grid.columns"))
    #expect(
      try loadError("[lidar]\npcap = \"capture.pcap\"\n[config.gird]\ncolumns = 4\n")
        .contains("config.gird"))
    #expect(
      try loadError("[lidar]\npcap = \"capture.pcap\"\n[ego]\nsource = \"imu\"\n")
        .contains("ego.source \"imu\""))
    #expect(try loadError("this is not toml = = =").contains("not valid TOML"))
    // A V2X log a day after the capture pairs nothing.
    let dayLater =
      #"{"t_ns":1453450682450000000,"source":"rsu","topic":"","format":"uper","payload_hex":"00"}"#
      + "\n"
    #expect(
      try loadError("[lidar]\npcap = \"capture.pcap\"\n[v2x]\nlog = \"v2x.jsonl\"\n", v2x: dayLater)
        .contains("do not overlap in time"))
    #expect(throws: Drive.LoadError.self) { try Drive.load(folder: "/nonexistent/drive") }
  }
}
