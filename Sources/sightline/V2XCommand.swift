// `sightline v2x`: V2X tools; `sightline v2x decode` turns hex J2735 payloads into JSON lines,
// `sightline v2x backtest` scores the runtime's extrapolation against what senders report next.

import ArgumentParser
import Foundation
import SightlineBacktest
import SightlineTools

struct V2XCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "v2x", abstract: "V2X tools.",
    subcommands: [V2XDecodeCommand.self, V2XBacktestCommand.self])
}

struct V2XDecodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decode",
    abstract: "Decode J2735 payloads: one hex payload per line in, one JSON line out.")

  @Argument(help: "File of hex payloads, or - (the default) for standard input.")
  var input = "-"

  func run() throws {
    let text: String
    if input == "-" {
      text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    } else {
      do {
        text = try String(contentsOfFile: input, encoding: .utf8)
      } catch {
        throw Failure(description: "cannot read \(input): \(error.localizedDescription)")
      }
    }
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      printLine(V2XDecodeLines.decode(line: line))
    }
  }
}

struct V2XBacktestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backtest",
    abstract: "Score the runtime's extrapolation against where V2X senders report themselves next.",
    discussion: """
      Reads a V2X log (docs/V2X-LOG.md) or a file of J2735 payloads (a JSON object with a \
      "hex" key, or bare hex, per line). For every sender and every pair of its messages whose \
      time difference is within ±5 % of a horizon, predicts the later position from the earlier \
      message with the runtime's motion model and reports the median and p95 error, the 95 % \
      ellipse's coverage, and the median error without extrapolation and at constant velocity. \
      GNSS stalls (a position that did not move while the speed says it should have) are \
      neither sources nor targets. Decisions: docs/BACKTEST.md.
      """)

  @Argument(help: "A V2X log or a file of hex payloads (JSON lines with \"hex\", or bare hex).")
  var file: String

  @Option(name: .long, help: "Horizons in milliseconds, comma-separated.")
  var horizons = "100,200,300,500,1000"

  @Flag(name: .long, help: "Print one JSON object instead of the table.")
  var json = false

  func run() throws {
    let report: V2XBacktestReport
    do {
      report = try V2XBacktest.run(
        path: file, horizons: try V2XBacktest.horizons(parsing: horizons))
    } catch let error as V2XBacktest.InputError {
      throw Failure(description: error.description)
    }
    if json {
      printLine(report.json())
    } else {
      for line in report.table() { printLine(line) }
    }
  }
}
