// `sightline merge`: several Velodyne captures made one, each sensor on ports of its own.

import ArgumentParser
import SightlinePublish
import SightlineTools

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merge Velodyne captures into one, each sensor's packets on ports of its own.",
    discussion: """
      Each INPUT is FILE:PORT or FILE:PORT:POSITION_PORT: its data packets (port 2368) go to \
      PORT and, with POSITION_PORT, its position packets (8308) to that port (without it they \
      are left out). Every input is moved in time to start with the first, its sensor times \
      (microseconds past the hour, GPRMC) with it; the records come out in time order.
      """)

  @Argument(help: "The merged pcap to write.")
  var output: String

  @Argument(help: "Captures to merge, each as FILE:PORT[:POSITION_PORT].")
  var inputs: [String] = []

  @Option(name: .long, help: "Keep only the first S seconds (from the first input's start).")
  var seconds: Double?

  func run() throws {
    guard !inputs.isEmpty else {
      throw Failure(description: "merge: give at least one INPUT.pcap:PORT[:POSITION_PORT]")
    }
    do {
      let parsed = try inputs.map(Self.input)
      let merge = try CaptureMerge(inputs: parsed, seconds: seconds)
      let summary = try merge.run(output: output)
      for line in Self.report(summary, inputs: parsed, output: output) { printLine(line) }
    } catch {
      throw Failure(description: "merge failed: \(error)")
    }
  }

  /// `FILE:PORT` or `FILE:PORT:POSITION_PORT`; the file may hold colons (the ports are the last
  /// one or two fields that are numbers; a last field that is not is a bad port).
  static func input(_ argument: String) throws -> CaptureMerge.Input {
    var fields = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard fields.count > 1 else {
      throw Failure(description: "\(argument): expected INPUT.pcap:PORT[:POSITION_PORT]")
    }
    let numeric = fields.reversed().prefix { !$0.isEmpty && $0.allSatisfy(\.isNumber) }.count
    let ports = try fields.suffix(max(1, min(numeric, 2, fields.count - 1))).map { text in
      guard let port = UInt16(text), port > 0 else {
        throw Failure(description: "\(argument): port \"\(text)\" is not a number from 1 to 65535")
      }
      return port
    }
    fields.removeLast(ports.count)
    guard !fields.joined().isEmpty else {
      throw Failure(description: "\(argument): no capture named")
    }
    return CaptureMerge.Input(
      path: fields.joined(separator: ":"), port: ports[0], positionPort: ports.dropFirst().first)
  }

  /// One line per input and one for the output.
  static func report(_ summary: CaptureMerge.Summary, inputs: [CaptureMerge.Input], output: String)
    -> [String]
  {
    var lines = [String]()
    for (input, got) in zip(inputs, summary.inputs) {
      lines.append(
        "\(input.path): \(got.dataPackets) data packets to port \(input.port)"
          + (input.positionPort.map { ", \(got.positionPackets) position packets to port \($0)" }
            ?? "")
          + ", times moved \(Report.fixed(Double(got.shiftNanoseconds) / 1e9, 6)) s"
          + (got.leftOut > 0 ? ", \(got.leftOut) records left out" : ""))
    }
    let span = (summary.lastNanoseconds ?? 0) - (summary.firstNanoseconds ?? 0)
    lines.append(
      "\(output): \(summary.records) records, \(Report.fixed(Double(span) / 1e9, 3)) s"
        + (summary.firstNanoseconds.map { " from \(Report.utc($0))" } ?? ""))
    return lines
  }
}
