// `sightline merge`: several Velodyne captures made one, each sensor on ports of its own.

import ArgumentParser
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
      let parsed = try inputs.map { (argument) throws(CaptureMergeError) in
        try CaptureMerge.Input(argument: argument)
      }
      let merge = try CaptureMerge(inputs: parsed, seconds: seconds)
      let summary = try merge.run(output: output)
      for line in CaptureMerge.report(summary, inputs: parsed, output: output) { printLine(line) }
    } catch {
      throw Failure(description: "merge failed: \(error)")
    }
  }
}
