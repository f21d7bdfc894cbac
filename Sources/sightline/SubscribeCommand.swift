// `sightline sub`: subscribe to grid frames and print one line per frame.

import ArgumentParser
import SightlinePublish
import SightlineSchema
import SightlineTools
import SightlineZMQ

struct SubscribeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sub", abstract: "Subscribe to grid frames and print one line per frame.")

  @Option(name: .long, help: "Endpoint to connect to.")
  var connect = "tcp://127.0.0.1:5560"

  @Flag(name: .long, help: "Keep only the newest frame (ZMQ_CONFLATE).")
  var latest = false

  @Option(name: .long, help: "Stop after this many frames.")
  var count: Int?

  @Option(name: .long, help: "Give up after this many seconds without a message.")
  var idleTimeout: Double?

  @Flag(name: .long, help: "At the end, draw the last frame's grid as text.")
  var picture = false

  @Option(name: .long, help: "CURVE: this subscriber's secret key file (sightline keygen).")
  var curveKey: String?

  @Option(name: .long, help: "CURVE: the runtime's public key file.")
  var serverKey: String?

  func run() throws {
    var curve: CurveClientKeys?
    switch (curveKey, serverKey) {
    case (let key?, let server?):
      curve = CurveClientKeys(
        keyPair: try CurveKeyPair.load(path: key),
        serverPublicKey: try CurvePublicKey.load(path: server))
    case (nil, nil): break
    default: throw ValidationError("--curve-key and --server-key go together")
    }
    let subscriber = try FrameSubscriber(
      context: try ZMQContext(), endpoint: connect, latestOnly: latest, curve: curve)
    let timeout = idleTimeout.map { Int($0 * 1000) } ?? -1
    var last: GridFrame?
    defer {
      if picture, let last {
        printLine("last frame (sequence \(last.sequence)):")
        for line in GridPicture.lines(last) { printLine(line) }
      }
    }
    loop: while true {
      switch try subscriber.next(timeoutMilliseconds: timeout) {
      case .frame(let frame):
        if picture { last = frame }
        printLine(Report.frameLine(frame))
        if let count, subscriber.summary.framesReceived >= count { break loop }
      case .agents(let agents):
        if !agents.agents.isEmpty || agents.egoKnown { printLine(Report.agentsLine(agents)) }
      case .stats(let stats):
        printLine(Report.statsLine(stats))
        if stats.endOfStream { break loop }
      case .idle:
        printLine("no message for \(idleTimeout ?? 0) s; stopping")
        break loop
      }
    }
    printLine(SubscriptionSummaryReport.line(subscriber.summary))
  }
}
