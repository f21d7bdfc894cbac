// `sightline flood`: load test with plausible BSMs from many senders over ZeroMQ.

import ArgumentParser
import SightlineLive
import SightlineTools
import SightlineZMQ

struct FloodCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flood",
    abstract: "Load test: publish plausible BSMs from many senders at a fixed rate (ZeroMQ).")

  @Option(name: .long, help: "Endpoint to bind (or --connect to).")
  var endpoint = "tcp://127.0.0.1:5570"

  @Flag(name: .long, help: "Connect instead of binding.")
  var connect = false

  @Option(name: .long, help: "Messages a second.")
  var rate = 100_000.0

  @Option(name: .long, help: "How long to send.")
  var seconds = 10.0

  @Option(name: .long, help: "Distinct temporary ids.")
  var senders = 5000

  func run() throws {
    var flood = V2XFlood(endpoint: endpoint)
    flood.bind = !connect
    flood.rate = rate
    flood.seconds = seconds
    flood.senders = senders
    let stop = StopToken.onSignals()
    let result = try flood.run(context: try ZMQContext()) { stop.isRequested }
    printLine(V2XFloodReport.line(result, senders: senders))
  }
}
