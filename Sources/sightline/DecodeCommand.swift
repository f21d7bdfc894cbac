// `sightline decode`: every LiDAR point of a capture as CSV.

import ArgumentParser
import Foundation
import SightlineTools

struct DecodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decode",
    abstract: "Decode every LiDAR point of a capture to CSV, one row per point.",
    discussion: "Columns: \(DecodeToCSV.header). return_type: 1 strongest, 2 last, 3 both.")

  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @OptionGroup var lidarOptions: LidarOptions

  @Option(name: .long, help: "TOML config; the options above override it.")
  var config: String?

  @Option(name: .long, help: "Output format; only csv.")
  var format = "csv"

  @Option(name: .long, help: "Output file, or - for standard output.")
  var out = "-"

  func run() throws {
    let settings = try lidarOptions.settings(from: config)
    guard format == "csv" else { throw Failure(description: "--format must be csv") }
    // No bar while the CSV goes to the same terminal: the two would mix.
    let bar = ProgressBar(label: "decode", enabled: out != "-" || isatty(STDOUT_FILENO) == 0)
    do {
      _ = try bar.run {
        try DecodeToCSV.run(capture: capture, config: settings, output: out, progress: $0)
      }
    } catch {
      throw Failure(description: "decode failed: \(error)")
    }
  }
}
