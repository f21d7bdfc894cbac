import Foundation
import SightlinePipeline
import SightlineReplay
import Testing

/// `sightline check` on drives: every bundled drive (each folder of Replay/ with a drive.toml,
/// so a new drive is covered without a change here) is read through its manifest.
@Suite(.serialized) struct CheckTests {
  /// Replay/rig's capture is generated, not committed: `make test` writes it first
  /// (Tools/scenario/check_rig.sh).
  static let drives: [String] = {
    let replay = repositoryRoot.appendingPathComponent("Replay").path
    let names = (try? FileManager.default.contentsOfDirectory(atPath: replay)) ?? []
    return names.sorted().map { replay + "/" + $0 }.filter {
      FileManager.default.fileExists(atPath: $0 + "/" + Drive.manifestName)
    }
  }()

  func report(_ arguments: [String]) throws -> [String: Any] {
    let result = try sightline(["check"] + arguments + ["--json"])
    #expect(result.status == 0, "\(arguments): \(result.errors)")
    return try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
  }

  func size(_ drive: Drive) -> Int {
    let attributes = try? FileManager.default.attributesOfItem(atPath: drive.lidarPath)
    return (attributes?[.size] as? Int) ?? 0
  }

  @Test func thereAreBundledDrives() {
    #expect(Self.drives.count >= 5, "\(Self.drives)")
  }

  @Test(arguments: drives)
  func everyBundledDriveChecksThroughItsManifest(folder: String) throws {
    let drive = try Drive.load(folder: folder)
    let report = try report([folder])
    #expect(report["drive"] as? String == drive.name)
    #expect(report["manifest"] as? String == folder + "/drive.toml")
    #expect(report["ego"] as? String == drive.ego.rawValue)
    #expect(report["lidar"] as? String == drive.lidarPath)
    let packets = try #require(report["lidarPackets"] as? Int)
    #expect(packets > 0)
    #expect((report["lidarPacketsLost"] as? Int ?? -1) <= packets / 100, "at most 1% lost")
    #expect((report["lidarSpanSeconds"] as? Double ?? 0) > 0)
    if drive.ego == .gprmc { #expect((report["gnssValid"] as? Int ?? 0) > 0) }
    if let v2x = drive.v2xPath {
      #expect(report["v2x"] as? String == v2x)
      let messages = try V2XLog.read(path: v2x).filter { $0.payload != nil }.count
      #expect(report["v2xMessages"] as? Int == messages)
      #expect(report["v2xClock"] != nil)
    } else {
      #expect(report["v2x"] == nil && report["v2xMessages"] as? Int == 0)
    }
    if let truthPath = drive.truthPath {
      let truth = try TruthFile.read(path: truthPath)
      #expect(report["truth"] as? String == truthPath)
      #expect(report["truthSamples"] as? Int == truth.samples.count)
      #expect(report["truthAgents"] as? Int == truth.header.agents.count)
      #expect(report["truthCoversCapture"] as? Bool == true)
    } else {
      #expect(report["truth"] == nil)
    }
    try expectSensors(report, drive: drive)
    let flags = report["flags"] as? [String] ?? []
    #expect(!flags.contains { $0.hasPrefix("ego.source") || $0.contains("misaligned") }, "\(flags)")
  }

  /// A drive with several sensors: each one's counts, and a mount check per pair of enabled
  /// sensors; with one sensor, neither.
  func expectSensors(_ report: [String: Any], drive: Drive) throws {
    let rig = drive.config.lidar.sensors
    guard rig.count > 1 else {
      #expect(report["sensors"] == nil && report["mounts"] == nil)
      return
    }
    let sensors = try #require(report["sensors"] as? [[String: Any]])
    #expect(sensors.compactMap { $0["name"] as? String } == rig.map(\.name))
    let packets = sensors.compactMap { $0["packets"] as? Int }
    #expect(packets.count == rig.count && packets.allSatisfy { $0 > 0 }, "\(sensors)")
    #expect(packets.reduce(0, +) == report["lidarPackets"] as? Int)
    let enabled = rig.filter(\.enabled).count
    let mounts = try #require(report["mounts"] as? [[String: Any]])
    #expect(mounts.count == enabled * (enabled - 1) / 2)
    for mount in mounts {
      #expect(mount["first"] is String && mount["second"] is String)
      #expect(mount["height_difference_m"] is Double || mount["failure"] is String, "\(mount)")
    }
  }

  @Test func aDriveMayBeGivenByItsManifest() throws {
    // The drive with the smallest capture, to be quick.
    let folder = try #require(
      Self.drives.min { try! size(Drive.load(folder: $0)) < size(Drive.load(folder: $1)) })
    let byFolder = try report([folder])
    let byManifest = try report([folder + "/drive.toml"])
    #expect(byManifest["drive"] as? String == byFolder["drive"] as? String)
    #expect(byManifest["lidarPackets"] as? Int == byFolder["lidarPackets"] as? Int)
    let text = try sightline(["check", folder])
    #expect(text.status == 0)
    #expect(text.output.hasPrefix("drive \(try Drive.load(folder: folder).name) ("))
  }

  @Test func checkTakesThePacketOptions() throws {
    let folder = repositoryRoot.appendingPathComponent("Replay/vlp16-strongest-gps").path
    let named = try report([folder, "--model", "VLP-16"])
    #expect(named["lidarPackets"] as? Int == 293)
    let filtered = try report([folder, "--filter", "udp and port 9"])
    #expect(filtered["lidarPackets"] as? Int == 0)
    let alone = try sightline(["check", folder, "--calibration", "x.yaml"])
    #expect(alone.status != 0)
    #expect(alone.errors.contains("--calibration needs --model"))
    let metadata = temporaryPath("missing-metadata.json")
    let ouster = try sightline(["check", bundledCapture, "--metadata", metadata])
    #expect(ouster.status != 0)
    #expect(ouster.errors.contains(metadata), "\(ouster.errors)")
  }

  @Test func badDrivesAreClearErrorsNamingTheFile() throws {
    let missing = NSTemporaryDirectory() + "sightline-no-drive-\(UUID().uuidString)"
    let absent = try sightline(["check", missing])
    #expect(absent.status != 0)
    #expect(absent.errors.contains(missing), "\(absent.errors)")

    let folder = NSTemporaryDirectory() + "sightline-check-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.copyItem(atPath: bundledCapture, toPath: folder + "/capture.pcap")
    try "[lidar]\npcap = \"capture.pcap\"\n[v2x]\nlog = \"gone.jsonl\"\n"
      .write(toFile: folder + "/drive.toml", atomically: true, encoding: .utf8)
    for path in [folder, folder + "/drive.toml"] {
      let result = try sightline(["check", path])
      #expect(result.status != 0)
      #expect(result.errors.contains("\(folder)/drive.toml"), "\(result.errors)")
      #expect(result.errors.contains("v2x.log names gone.jsonl"), "\(result.errors)")
    }
    try FileManager.default.removeItem(atPath: folder + "/drive.toml")
    let noManifest = try sightline(["check", folder])
    #expect(noManifest.status != 0)
    #expect(noManifest.errors.contains("\(folder)/drive.toml: missing"), "\(noManifest.errors)")
  }

  @Test func aCaptureOrALogAloneStillChecks() throws {
    let log = repositoryRoot.appendingPathComponent(
      "Replay/vlp16-strongest-gps/v2x-real-bsm.jsonl"
    ).path
    let alone = try report([log])
    #expect(alone["v2xMessages"] as? Int == 35)
    #expect(alone["lidar"] == nil && alone["drive"] == nil)
    let capture = try report([bundledCapture])
    #expect(capture["lidarPackets"] as? Int == 293)
    #expect(capture["drive"] == nil && capture["v2x"] == nil)
  }
}
