// `sightline record`: record inputs for replay; `sightline record v2x` writes a V2X log.

import ArgumentParser
import SightlineLive
import SightlinePipeline
import SightlineTools

struct RecordCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record", abstract: "Record inputs for replay.",
    subcommands: [RecordV2XCommand.self])
}

struct RecordV2XCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "v2x",
    abstract: "Record V2X messages from ZeroMQ as JSON Lines (docs/V2X-LOG.md).")

  @Option(name: .long, help: "Endpoint to connect to.")
  var connect: String

  @Option(name: .long, help: "Subscription prefix; repeat for several. Default: everything.")
  var topic: [String] = []

  @Option(name: .long, help: "Payload format: uper, hex or json.")
  var format = "uper"

  @Option(name: .long, help: "single (topic + payload in one frame) or multipart (last frame).")
  var framing = "single"

  @Option(name: .long, help: "Name of this source in the log.")
  var name = "v2x"

  @Option(name: .long, help: "Output file (JSON Lines).")
  var out: String

  @Option(name: .long, help: "Stop after this many messages.")
  var count: Int?

  @Option(name: .long, help: "Stop after this many seconds.")
  var duration: Double?

  func run() throws {
    guard let payloadFormat = V2XPayloadFormat(rawValue: format) else {
      throw Failure(description: "--format must be uper, hex or json")
    }
    guard let framingMode = SightlineConfig.V2XSource.Framing(rawValue: framing) else {
      throw Failure(description: "--framing must be single or multipart")
    }
    var source = SightlineConfig.V2XSource()
    source.name = name
    source.endpoint = connect
    source.topics = topic.isEmpty ? [""] : topic
    source.format = payloadFormat
    source.framing = framingMode
    let stop = StopToken.onSignals()
    let recorded = try V2XRecorder.record(
      source: source, to: out, count: count, durationSeconds: duration, stop: stop)
    printLine("recorded \(recorded.messages) messages to \(out) (\(recorded.oversized) oversized)")
  }
}
