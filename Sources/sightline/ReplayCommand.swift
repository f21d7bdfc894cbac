import ArgumentParser
import Foundation
import SightlineLive
import SightlineReplay
import SightlineZMQ

// `sightline replay`: a drive (or a LiDAR capture) through the pipeline, publishing grid frames.

struct ReplayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Replay a drive (or a LiDAR capture) through the pipeline and publish grid frames.")

  @Argument(
    help: "A drive folder with a drive.toml (docs/DRIVES.md), such as Replay/vlp16-strongest-gps.")
  var drive: String?

  @Option(
    name: .long, help: "pcap or pcapng capture of the LiDAR's UDP packets (instead of a drive).")
  var lidar: String?

  @Option(
    name: .long, help: "V2X log (JSON Lines, docs/V2X-LOG.md) merged with the capture on one clock."
  )
  var v2x: String?

  @Option(
    name: .long, help: "TOML config; built-in defaults when omitted (see Config/sightline.toml).")
  var config: String?

  @Option(name: .long, help: "Override the publish endpoint from config.")
  var publish: String?

  @OptionGroup var lidarOptions: LidarOptions

  @Option(name: .long, help: "virtual (as fast as possible) or realtime (capture speed).")
  var pace: String = Pacing.virtual.rawValue

  @Option(name: .long, help: "Wait for this many subscribers before the first frame.")
  var waitSubscribers: Int = 0

  @Option(name: .long, help: "Seconds to wait for subscribers.")
  var waitTimeout: Double = 10

  @Option(name: .long, help: "Write the per-sweep report as JSON to this file.")
  var report: String?

  @OptionGroup var output: FrameOutputOptions

  @Flag(name: .long, help: "Print one line per published frame.")
  var verbose = false

  @Flag(name: .long, help: "End with digest=<hex>: a hash over every published frame.")
  var digest = false

  func run() throws {
    guard (drive == nil) != (lidar == nil) else {
      throw Failure(description: "give a drive folder or --lidar CAPTURE (not both)")
    }
    var settings = try loadConfig(config)
    var options: ReplayOptions
    var expectedDigest: String?
    if let drive {
      let loaded = try loadDrive(drive, base: settings)
      if v2x != nil { throw Failure(description: "--v2x comes from the drive's manifest") }
      options = loaded.replayOptions()
      settings = options.config
      expectedDigest = loaded.expectedDigest
      printLine("drive \(loaded.name): \(loaded.summary)")
    } else {
      options = ReplayOptions(lidarPath: lidar!, config: settings)
      options.v2xPath = v2x
    }
    if let publish { settings.publish.endpoint = publish }
    try lidarOptions.apply(to: &settings)
    options.config = settings
    guard let pacing = Pacing(rawValue: pace) else {
      throw Failure(description: "--pace must be virtual or realtime, not \(pace)")
    }
    options.digest = digest
    options.pacing = pacing
    options.waitForSubscribers = waitSubscribers
    options.subscriberTimeoutSeconds = waitTimeout
    options.recordPath = output.record
    options.foxglove = try output.foxgloveAddress(config: settings)
    // SIGINT and SIGTERM end the replay as the capture's end would: every sink finished.
    let stop = StopToken.onSignals()
    options.shouldStop = { stop.isRequested }
    options.log = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    let summary: ReplaySummary
    do {
      // No bar under --verbose: its lines would break into the bar's.
      summary = try ProgressBar(enabled: !verbose).run {
        try Replay(options: options, progress: $0).run(context: try ZMQContext()) { record in
          if verbose {
            printLine(
              "published seq=\(record.sequence) points=\(record.points) v2x_agents=\(record.v2xAgents)"
            )
          }
        }
      }
    } catch {
      throw Failure(description: "replay failed: \(error)")
    }
    for line in ReplayReport.lines(summary, endpoint: settings.publish.endpoint) { printLine(line) }
    if let record = output.record {
      printLine("recorded \(summary.sweeps.count) frames to \(record)")
    }
    if let report {
      try ReplayReport.writeJSON(summary, to: report)
    }
    if summary.stoppedEarly {
      throw Failure(
        description: "replay stopped by a signal after \(summary.sweeps.count) frames"
          + (output.record.map { "; \($0) is finished up to there" } ?? ""))
    }
    let check = DigestCheck(digest: summary.digest, expected: expectedDigest)
    for line in check.lines { printLine(line) }
    if let error = summary.inputError {
      throw Failure(description: "replay stopped early: \(error)")
    }
    if let mismatch = check.mismatch { throw Failure(description: mismatch) }
  }
}
