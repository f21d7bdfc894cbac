import Foundation
import SightlinePcap
import SightlinePipeline
import SightlineTOML

/// A drive: a folder in Replay/ whose `drive.toml` names its inputs (docs/DRIVES.md). Loading
/// checks everything a replay needs before anything runs: files exist, keys are known, config
/// overrides are valid, and the LiDAR capture and the V2X log overlap in time.
public struct Drive: Sendable, Equatable {
  public enum EgoSource: String, Sendable, CaseIterable {
    /// The LiDAR's own GPRMC position packets.
    case gprmc
    /// No ego pose: the grid stays in the sensor frame.
    case none
    /// The ground truth's ego poses (synthetic drives): an ideal GNSS/INS at 20 Hz.
    case truth
    /// The vehicle's localization, recorded: `[ego] log` (docs/SCHEMA.md, "Ego pose in").
    case localization
    /// The vehicle's own BSMs in the V2X log, by `[ego] temporary_id`.
    case bsm
  }

  public var folder: String
  public var name: String
  public var summary: String
  public var lidarPath: String
  public var v2xPath: String?
  public var ego: EgoSource
  /// The recorded localization poses (`ego = .localization`).
  public var egoPoseLogPath: String?
  /// The drive's config: the base config with the manifest's `[config.*]` overrides applied.
  public var config: SightlineConfig
  /// Ground truth written by the scenario generator, if any.
  public var truthPath: String?
  /// The digest a replay of this drive must give (`sightline replay DRIVE --digest`).
  public var expectedDigest: String?

  public static let manifestName = "drive.toml"

  public struct LoadError: Error, CustomStringConvertible, Equatable {
    public let description: String
  }

  /// Reads `folder/drive.toml`. `base` is the config the overrides apply to.
  public static func load(folder: String, base: SightlineConfig = SightlineConfig())
    throws(LoadError) -> Drive
  {
    let manifest = try Manifest.read(folder: folder)
    // Section by section, in this order: the first problem found is the one reported.
    let pcap = try manifest.lidarPcap()
    let v2xPath = try manifest.v2xPath()
    let (ego, egoPoseLogPath, ownID) = try manifest.ego()
    let truthPath = try manifest.truthPath()
    if ego == .truth && truthPath == nil {
      throw manifest.fail("ego.source \"truth\" needs [truth] file = \"…\"")
    }
    let expectedDigest = try manifest.expectedDigest()
    var config = try manifest.config(base: base)
    try manifest.sensorFiles(into: &config)
    if let ownID {
      config.ego = SightlineConfig.Ego()
      config.ego.source = .bsm
      config.ego.temporaryID = ownID
    }
    let root = manifest.root
    var drive = Drive(
      folder: folder,
      name: try manifest.string(root, "name", at: "") ?? (folder as NSString).lastPathComponent,
      summary: try manifest.string(root, "summary", at: "") ?? "",
      lidarPath: try manifest.file(pcap, "lidar.pcap"),
      v2xPath: v2xPath, ego: ego, config: config, truthPath: truthPath,
      expectedDigest: expectedDigest)
    drive.egoPoseLogPath = egoPoseLogPath
    try drive.checkOverlap(manifest.fail)
    return drive
  }

  /// A parsed `drive.toml`, read one section at a time. Every problem names the manifest.
  private struct Manifest {
    let folder: String
    /// The manifest's path.
    let path: String
    let root: TOMLTable

    static func read(folder: String) throws(LoadError) -> Manifest {
      let path = (folder as NSString).appendingPathComponent(manifestName)
      func fail(_ problem: String) -> LoadError { LoadError(description: "\(path): \(problem)") }
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder),
        isFolder.boolValue
      else { throw LoadError(description: "\(folder): not a drive folder (no such directory)") }
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw fail("missing or unreadable; a drive folder needs one (docs/DRIVES.md)")
      }
      let root: TOMLTable
      do {
        root = try TOMLReader.parse(text)
      } catch {
        throw fail("not valid TOML: \(error)")
      }
      try checkKeys(
        root, allowed: ["name", "summary", "lidar", "v2x", "ego", "config", "truth", "expect"],
        at: "", fail)
      return Manifest(folder: folder, path: path, root: root)
    }

    func fail(_ problem: String) -> LoadError { LoadError(description: "\(path): \(problem)") }

    func string(_ table: TOMLTable, _ key: String, at path: String) throws(LoadError) -> String? {
      guard let value = table[key] else { return nil }
      guard let text = value.string else { throw fail("\(path)\(key) must be a string") }
      return text
    }

    func table(_ key: String) throws(LoadError) -> TOMLTable? {
      guard let value = root[key] else { return nil }
      guard let table = value.table else { throw fail("[\(key)] must be a table") }
      return table
    }

    func file(_ relative: String, _ key: String) throws(LoadError) -> String {
      let path =
        relative.hasPrefix("/") ? relative : (folder as NSString).appendingPathComponent(relative)
      guard FileManager.default.isReadableFile(atPath: path) else {
        throw fail("\(key) names \(relative), which does not exist in the drive folder")
      }
      return path
    }

    /// `lidar.pcap` as written; whether the file exists is checked last (`load`).
    func lidarPcap() throws(LoadError) -> String {
      guard let lidar = try table("lidar") else {
        throw fail("[lidar] with pcap = \"…\" is required")
      }
      try checkKeys(lidar, allowed: ["pcap", "metadata", "calibration"], at: "lidar.", fail)
      guard let pcap = try string(lidar, "pcap", at: "lidar.") else {
        throw fail("lidar.pcap is required")
      }
      return pcap
    }

    /// `lidar.metadata` (an Ouster's JSON) and `lidar.calibration`, relative to the folder.
    func sensorFiles(into config: inout SightlineConfig) throws(LoadError) {
      guard let lidar = try table("lidar") else { return }
      if let metadata = try string(lidar, "metadata", at: "lidar.") {
        config.lidar.metadataPath = try file(metadata, "lidar.metadata")
      }
      if let calibration = try string(lidar, "calibration", at: "lidar.") {
        config.lidar.calibrationPath = try file(calibration, "lidar.calibration")
      }
      do {
        try config.checkConsistency(file: path)
      } catch {
        throw fail("\(error)")
      }
    }

    func v2xPath() throws(LoadError) -> String? {
      guard let v2x = try table("v2x") else { return nil }
      try checkKeys(v2x, allowed: ["log"], at: "v2x.", fail)
      return try string(v2x, "log", at: "v2x.").map { (path) throws(LoadError) in
        try file(path, "v2x.log")
      }
    }

    /// The source, the pose log (localization) and the vehicle's own temporary id (bsm).
    func ego() throws(LoadError) -> (EgoSource, log: String?, temporaryID: UInt32?) {
      guard let egoTable = try table("ego") else { return (.gprmc, nil, nil) }
      try checkKeys(egoTable, allowed: ["source", "log", "temporary_id"], at: "ego.", fail)
      let source = try string(egoTable, "source", at: "ego.") ?? EgoSource.gprmc.rawValue
      guard let parsed = EgoSource(rawValue: source) else {
        throw fail(
          "ego.source \"\(source)\" is not one of \(EgoSource.allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      let log = try string(egoTable, "log", at: "ego.")
      let id = try string(egoTable, "temporary_id", at: "ego.")
      switch (parsed, log, id) {
      case (.localization, _, .some):
        throw fail("ego.temporary_id is only for ego.source \"bsm\"")
      case (.localization, let log?, nil):
        return (parsed, try file(log, "ego.log"), nil)
      case (.localization, nil, _):
        throw fail("ego.source \"localization\" needs ego.log = \"…\" (the recorded poses)")
      case (.bsm, nil, let id?):
        guard let own = SightlineConfig.temporaryID(id) else {
          throw fail(
            "ego.temporary_id \"\(id)\" is not a temporary id: 8 hex digits like \"5EED0001\"")
        }
        return (parsed, nil, own)
      case (.bsm, _, nil):
        throw fail("ego.source \"bsm\" needs ego.temporary_id = \"…\" (the vehicle's own)")
      case (_, .some, _):
        throw fail("ego.log is only for ego.source \"localization\"")
      case (_, _, .some):
        throw fail("ego.temporary_id is only for ego.source \"bsm\"")
      case (_, nil, nil):
        return (parsed, nil, nil)
      }
    }

    func truthPath() throws(LoadError) -> String? {
      guard let truth = try table("truth") else { return nil }
      try checkKeys(truth, allowed: ["file"], at: "truth.", fail)
      return try string(truth, "file", at: "truth.").map { (path) throws(LoadError) in
        try file(path, "truth.file")
      }
    }

    func expectedDigest() throws(LoadError) -> String? {
      guard let expect = try table("expect") else { return nil }
      try checkKeys(expect, allowed: ["digest"], at: "expect.", fail)
      return try string(expect, "digest", at: "expect.")
    }

    /// `base` with the `[config.*]` overrides applied.
    func config(base: SightlineConfig) throws(LoadError) -> SightlineConfig {
      var config = base
      if let overrides = try table("config") {
        do {
          try config.apply(overrides, file: path, prefix: "config.")
        } catch {
          throw LoadError(description: error.description)
        }
      }
      // A sensor table's files are the drive folder's, like [lidar]'s.
      for index in config.lidar.sensors.indices {
        let key = "config.lidar.sensor[\(index + 1)]"
        if let calibration = config.lidar.sensors[index].calibrationPath {
          config.lidar.sensors[index].calibrationPath = try file(calibration, key + ".calibration")
        }
        if let metadata = config.lidar.sensors[index].metadataPath {
          config.lidar.sensors[index].metadataPath = try file(metadata, key + ".metadata")
        }
      }
      return config
    }
  }

  static func checkKeys(
    _ table: TOMLTable, allowed: Set<String>, at path: String, _ fail: (String) -> LoadError
  ) throws(LoadError) {
    for key in table.keys.sorted() where !allowed.contains(key) {
      throw fail("unknown key \(path)\(key) (known: \(allowed.sorted().joined(separator: ", ")))")
    }
  }

  /// The capture and the V2X log must share some time, or the merge would pair nothing.
  func checkOverlap(_ fail: (String) -> LoadError) throws(LoadError) {
    guard let v2xPath else { return }
    let entries: [V2XLogEntry]
    do {
      entries = try V2XLog.read(path: v2xPath)
    } catch {
      throw fail("v2x.log: \(error)")
    }
    guard let first = entries.first?.t_ns, let last = entries.last?.t_ns else { return }
    let range: (first: Int64, last: Int64)?
    do {
      range = try PcapFile.timeRange(path: lidarPath)
    } catch {
      throw fail("lidar.pcap: \(error)")
    }
    guard let (start, end) = range else { throw fail("lidar.pcap holds no packets") }
    // A second of slack: a log may start just before the capture.
    guard first <= end + 1_000_000_000, last >= start - 1_000_000_000 else {
      throw fail(
        "the LiDAR capture (\(Self.utc(start)) – \(Self.utc(end))) and the V2X log "
          + "(\(Self.utc(first)) – \(Self.utc(last))) do not overlap in time")
    }
  }

  public static func utc(_ nanoseconds: Int64) -> String {
    let date = Date(timeIntervalSince1970: Double(nanoseconds) / 1e9)
    return date.formatted(.iso8601)
  }

  /// The replay of this drive, as `sightline replay DRIVE` runs it.
  public func replayOptions() -> ReplayOptions {
    var options = ReplayOptions(lidarPath: lidarPath, config: config)
    options.v2xPath = v2xPath
    options.egoFromGNSS = ego == .gprmc
    options.egoTruthPath = ego == .truth ? truthPath : nil
    options.egoPoseLogPath = ego == .localization ? egoPoseLogPath : nil
    return options
  }
}
