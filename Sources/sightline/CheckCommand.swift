// `sightline check`: synchronisation QA report for a drive.

import ArgumentParser
import Foundation
import SightlinePipeline
import SightlineTools

struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Synchronisation QA report for a drive (folder, capture or V2X log).")

  @Argument(help: "A drive folder (its .pcap and .jsonl), or a capture.")
  var drive: String

  @Option(name: .long, help: "V2X log, when not in the drive folder.")
  var v2x: String?

  @Flag(name: .long, help: "Print JSON.")
  var json = false

  func run() throws {
    var (lidar, log) = Check.inputs(drive)
    if let v2x { log = v2x }
    let report: Check.CheckReport
    do {
      report = try Check.run(lidar: lidar, v2x: log, config: SightlineConfig())
    } catch {
      throw Failure(description: "check failed: \(error)")
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      printLine(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      for line in Check.text(report) { printLine(line) }
    }
  }
}
