// `sightline play`: feed a drive into the live path, LiDAR as UDP and V2X over ZeroMQ.

import ArgumentParser
import SightlineLive
import SightlinePipeline
import SightlineTools
import SightlineZMQ

struct PlayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "play",
    abstract: "Feed a drive into the live path: its LiDAR packets as UDP, its V2X log over ZeroMQ.",
    discussion: """
      Run `sightline run` (with a [[v2x.source]] connecting to --v2x-endpoint) on the receiving \
      side to test a vehicle box as it will run. Packets keep the capture's spacing, times \
      --rate (max: as fast as possible). The sensor is the one `run` would read: an Ouster's \
      packets go from its metadata's lidar and IMU ports to the same ports (--metadata, or the \
      drive's lidar.metadata), a Velodyne's from 2368 and 8308.
      """)

  @Argument(help: "A drive folder (docs/DRIVES.md).")
  var drive: String?

  @Option(name: .long, help: "pcap or pcapng capture (instead of a drive).")
  var lidar: String?

  @Option(name: .long, help: "V2X log to send with --lidar.")
  var v2x: String?

  @Option(name: .long, help: "Host the UDP datagrams go to.")
  var host = "127.0.0.1"

  @Option(
    name: .long,
    help: "UDP port the data packets go to (default: the sensor's: 2368 Velodyne, 7502 Ouster).")
  var port: UInt16?

  @Option(
    name: .long,
    help:
      "UDP port the sensor's second stream goes to: Velodyne's GPRMC (8308), Ouster's IMU (7503).")
  var positionPort: UInt16?

  @OptionGroup var sensorOptions: SensorOptions

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
    // The sensor as `sightline run` on the receiving side reads it: which of the capture's
    // ports carry its packets (an Ouster's from its metadata), sent on to the same ports.
    var settings = SightlineConfig()
    let lidarPath: String
    var v2xPath = v2x
    if let drive {
      let loaded = try loadDrive(drive)
      if v2x != nil { throw Failure(description: "--v2x comes from the drive's manifest") }
      settings = loaded.config
      lidarPath = loaded.lidarPath
      v2xPath = loaded.v2xPath
    } else {
      lidarPath = lidar!
    }
    try sensorOptions.apply(to: &settings)
    var options: PlayOptions
    do {
      options = try PlayOptions(lidarPath: lidarPath, config: settings)
    } catch {
      throw Failure(description: "play failed: \(error)")
    }
    options.v2xPath = v2xPath
    if rate == "max" {
      options.rate = nil
    } else if let value = Double(rate), value > 0 {
      options.rate = value
    } else {
      throw Failure(description: "--rate must be a positive number or max, not \(rate)")
    }
    options.host = host
    if let port { options.dataPort = port }
    if let positionPort { options.positionPort = positionPort }
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
