// `sightline play`: feed a drive into the live path, LiDAR as UDP and V2X over ZeroMQ.

import ArgumentParser
import SightlineLive
import SightlineTools
import SightlineZMQ

struct PlayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "play",
    abstract: "Feed a drive into the live path: its LiDAR packets as UDP, its V2X log over ZeroMQ.",
    discussion: """
      Run `sightline run` (with a [[v2x.source]] connecting to --v2x-endpoint) on the receiving \
      side to test a vehicle box as it will run. Packets keep the capture's spacing, times \
      --rate (max: as fast as possible).
      """)

  @Argument(help: "A drive folder (docs/DRIVES.md).")
  var drive: String?

  @Option(name: .long, help: "pcap or pcapng capture (instead of a drive).")
  var lidar: String?

  @Option(name: .long, help: "V2X log to send with --lidar.")
  var v2x: String?

  @Option(name: .long, help: "Host the UDP datagrams go to.")
  var host = "127.0.0.1"

  @Option(name: .long, help: "UDP port for the data packets.")
  var port: UInt16 = 2368

  @Option(name: .long, help: "UDP port for the position packets.")
  var positionPort: UInt16 = 8308

  @Option(name: .long, help: "ZeroMQ endpoint to bind the V2X PUB socket on.")
  var v2xEndpoint = "tcp://127.0.0.1:5570"

  @Option(name: .long, help: "Capture seconds per second, or max.")
  var rate = "1"

  @Flag(name: .long, help: "Start again when the capture ends (until interrupted).")
  var loop = false

  @Option(name: .long, help: "Skip the first seconds of the drive.")
  var seek = 0.0

  @Option(
    name: .customLong("start"),
    help: "Seconds to wait before the first datagram (receivers start and subscribe meanwhile).")
  var startDelay = 0.5

  @Flag(name: .long, help: "Send the recorded times as they are (default: moved to now).")
  var keepTimes = false

  func run() throws {
    guard (drive == nil) != (lidar == nil) else {
      throw Failure(description: "give a drive folder or --lidar CAPTURE (not both)")
    }
    var options: PlayOptions
    if let drive {
      let loaded = try loadDrive(drive)
      options = PlayOptions(lidarPath: loaded.lidarPath)
      options.v2xPath = loaded.v2xPath
    } else {
      options = PlayOptions(lidarPath: lidar!)
      options.v2xPath = v2x
    }
    if rate == "max" {
      options.rate = nil
    } else if let value = Double(rate), value > 0 {
      options.rate = value
    } else {
      throw Failure(description: "--rate must be a positive number or max, not \(rate)")
    }
    options.host = host
    options.dataPort = port
    options.positionPort = positionPort
    options.v2xEndpoint = v2xEndpoint
    options.loop = loop
    options.seekSeconds = seek
    options.startDelaySeconds = startDelay
    options.restamp = !keepTimes
    let stop = StopToken.onSignals()
    let summary: PlaySummary
    do {
      summary = try ProgressBar().run {
        try Player(options: options).run(
          context: try ZMQContext(), stop: { stop.isRequested }, progress: $0)
      }
    } catch {
      throw Failure(description: "play failed: \(error)")
    }
    printLine(PlaySummaryReport.line(summary, options: options))
  }
}
