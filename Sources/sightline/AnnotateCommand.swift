// `sightline annotate`: latency annotation of every V2X message of a log.

import ArgumentParser
import Foundation
import SightlinePipeline
import SightlineTools

struct AnnotateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "annotate",
    abstract:
      "Latency annotation of every V2X message: generation, receive, latency, distance moved, error bound."
  )

  @Option(name: .long, help: "V2X log (docs/V2X-LOG.md).")
  var v2x: String

  @Option(name: .long, help: "jsonl or csv.")
  var format = "jsonl"

  @Option(name: .long, help: "Messages older than this on arrival are dropped as stale (ms).")
  var staleAfterMs = 2000

  func run() throws {
    guard format == "jsonl" || format == "csv" else {
      throw Failure(description: "--format must be jsonl or csv")
    }
    let log: [V2XLogEntry]
    do { log = try V2XLog.read(path: v2x) } catch { throw Failure(description: "\(error)") }
    let (rows, counters) = Annotate.rows(log: log, staleAfterMilliseconds: Int64(staleAfterMs))
    if format == "csv" { printLine(Annotate.csvHeader) }
    for row in rows { printLine(format == "csv" ? Annotate.csv(row) : Annotate.json(row)) }
    FileHandle.standardError.write(
      Data(
        ("annotated \(rows.count) of \(counters.received) messages"
          + " (\(counters.totalDropped) dropped, \(counters.knownNotDecoded) other J2735)\n").utf8))
  }
}
