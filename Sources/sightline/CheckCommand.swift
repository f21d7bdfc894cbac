// `sightline check`: synchronisation QA report for a drive.

import ArgumentParser
import Foundation
import SightlinePipeline
import SightlineTools

struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Synchronisation QA report for a drive (folder or drive.toml), capture or V2X log.",
    discussion: """
      A drive is read through its drive.toml (docs/DRIVES.md): its capture, V2X log, ego \
      source, truth, sensor files and [config.*] overrides. A capture may be checked alone or \
      with --v2x LOG; a .jsonl file is checked as a V2X log alone.
      """)

  @Argument(
    help:
      "A drive folder or its drive.toml (Replay/blind-intersection), a capture, or a V2X log.")
  var drive: String

  @Option(name: .long, help: "V2X log to check with a capture (a drive names its own).")
  var v2x: String?

  @Option(
    name: .long, help: "TOML config; a drive's [config.*] overrides and the options apply over it.")
  var config: String?

  @OptionGroup var lidarOptions: LidarOptions

  @Flag(name: .long, help: "Print JSON.")
  var json = false

  func run() throws {
    var settings = try loadConfig(config)
    let report: Check.CheckReport
    if let folder = Check.driveFolder(drive) {
      if v2x != nil { throw Failure(description: "--v2x comes from the drive's manifest") }
      let loaded = try loadDrive(folder, base: settings)
      settings = loaded.config
      try lidarOptions.apply(to: &settings)
      report = try checked { try Check.run(drive: loaded, config: settings) }
    } else {
      guard FileManager.default.fileExists(atPath: drive) else {
        throw Failure(
          description: "\(drive): no such drive folder, drive.toml, capture or V2X log")
      }
      try lidarOptions.apply(to: &settings)
      let alone = drive.hasSuffix(".jsonl")
      if alone && v2x != nil {
        throw Failure(description: "\(drive) is a V2X log; --v2x goes with a capture")
      }
      let (lidar, log) = alone ? (nil, drive) : (drive, v2x)
      report = try checked { try Check.run(lidar: lidar, v2x: log, config: settings) }
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      printLine(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      for line in Check.text(report) { printLine(line) }
    }
  }

  func checked(_ body: () throws -> Check.CheckReport) throws -> Check.CheckReport {
    do {
      return try body()
    } catch {
      throw Failure(description: "check failed: \(error)")
    }
  }
}
