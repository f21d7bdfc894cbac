// `sightline eval`: score a synthetic drive against its ground truth, fused and LiDAR-only.

import ArgumentParser
import Foundation
import SightlineReplay
import SightlineTools

struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Score a synthetic drive against its ground truth, fused and LiDAR-only.",
    discussion: """
      Replays the drive twice (with its V2X log, and without) and reports per agent when it \
      entered the grid's window and when the fused and the LiDAR-only grids first had an \
      occupied cell on its true footprint; the position error of published agents by latency \
      band, extrapolated and as reported (median, p95, n); the share of truths inside each \
      agent's published 95% ellipse and the mean NEES (ideal 2); and the fused grid against \
      the truth over the whole window (IoU, false free, false occupied, with their cell \
      counts). Every key is defined in docs/EVAL.md. Writes error-vs-latency and \
      time-advantage plots (SVG with title, ticks, units and legend; PNG) to --out (default: \
      the drive's eval/ folder), and with --html one self-contained HTML report: the table, \
      the plots and a few frames.
      """)

  @Argument(help: "A drive folder with ground truth (Replay/blind-intersection).")
  var drive: String

  @Option(name: .long, help: "TOML config the drive's overrides apply to.")
  var config: String?

  @Option(name: .long, help: "Folder for the table and plots.")
  var out: String?

  @Flag(name: .long, help: "Print one JSON object instead of the table.")
  var json = false

  @Option(
    name: .long,
    help: "Also write one self-contained HTML report here (table, plots, frame pictures).")
  var html: String?

  @Option(
    name: .customLong("only-sensor"),
    help:
      "Score the drive with only this sensor of its [[lidar.sensor]] tables (repeat for several)."
  )
  var onlySensors: [String] = []

  func run() throws {
    let settings = try loadConfig(config)
    var loaded = try loadDrive(drive, base: settings)
    do {
      try loaded.config.lidar.enableOnly(onlySensors)
    } catch {
      throw Failure(description: "\(error)")
    }
    let folder = out ?? (drive as NSString).appendingPathComponent("eval")
    let scores: Eval.Scores
    do {
      let run = try ProgressBar(label: "eval \(loaded.name)").run {
        try Eval.run(
          drive: loaded, outputFolder: folder, snapshots: html == nil ? 0 : 3, progress: $0)
      }
      scores = run.scores
      if let html {
        try EvalHTML.write(scores, snapshots: run.snapshots, folder: folder, to: html)
      }
    } catch {
      throw Failure(description: "eval failed: \(error)")
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      printLine(String(decoding: try encoder.encode(scores), as: UTF8.self))
      return
    }
    for line in try EvalReport.writeTable(scores, folder: folder) { printLine(line) }
    if let html { printLine("report: \(html)") }
  }
}
