// `sightline inspect`: describe a capture per sensor.

import ArgumentParser
import Foundation
import SightlinePipeline
import SightlineTools

struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Describe a capture per sensor: model, mode, RPM, sweeps, losses, GNSS, anomalies.")

  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @Option(
    name: .long,
    help: "TOML config: its [lidar] and [[lidar.sensor]]s (several: a report per sensor too).")
  var config: String?

  @OptionGroup var lidarOptions: LidarOptions

  @Flag(name: .long, help: "Print JSON instead of text.")
  var json = false

  func run() throws {
    var settings = try loadConfig(config)
    try lidarOptions.apply(to: &settings)
    let report: Inspect.CaptureReport
    do {
      report = try Inspect.run(capture: capture, config: settings)
    } catch {
      throw Failure(description: "inspect failed: \(error)")
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      printLine(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      for line in Inspect.text(report) { printLine(line) }
    }
    if let error = report.error { throw Failure(description: error) }
  }
}
