// The one executable: `sightline replay` and `sightline sub`. Parses arguments, loads config,
// and hands over to SightlineRuntime.

import ArgumentParser
import Foundation
import Logging
import SightlineGrid
import SightlineLidar
import SightlineOps
import SightlinePNG
import SightlinePcap
import SightlineRuntime
import SightlineSchema
import SightlineZMQ

@main
struct Sightline: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Real-time LiDAR + V2X perception runtime.",
    subcommands: [
      ReplayCommand.self, SubscribeCommand.self, DecodeCommand.self, InspectCommand.self,
      RunCommand.self, BenchCommand.self, V2XCommand.self, RecordCommand.self,
      AnnotateCommand.self, CheckCommand.self, RenderCommand.self, EvalCommand.self,
      PlayCommand.self, KeygenCommand.self, FloodCommand.self,
    ])
}

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
    installStopHandlers()
    let result = try flood.run(context: try ZMQContext()) {
      stopRequested.load(ordering: .relaxed)
    }
    printLine(
      "flood: sent \(result.sent) BSMs in \(String(format: "%.2f", result.elapsedSeconds)) s"
        + " (\(Int(Double(result.sent) / max(result.elapsedSeconds, 1e-9)))/s) from \(senders)"
        + " senders; \(result.notQueued) not queued (high-water mark)")
  }
}

struct KeygenCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keygen",
    abstract: "Write a CURVE key pair: FILE (secret, mode 0600) and FILE.pub (for allow-lists).",
    discussion: """
      Give FILE to the process that owns it (security.curve_secret_key, or `sub --curve-key`);
      hand FILE.pub to its peers: a line of their allow-list (publish.curve_allow,
      [[v2x.source]] curve_allow), or their curve_server_key / --server-key.
      """)

  @Argument(help: "The secret key file to write.")
  var file: String

  @Flag(name: .long, help: "Replace existing key files.")
  var force = false

  func run() throws {
    let pair = try CurveKeyPair.generate()
    try pair.write(to: file, replacing: force)
    printLine("wrote \(file) (secret) and \(file).pub (public key \(pair.publicKey.z85))")
  }
}

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
    installStopHandlers()
    let bar = ProgressBar()
    let summary: PlaySummary
    do {
      summary = try Player(options: options).run(
        context: try ZMQContext(), stop: { stopRequested.load(ordering: .relaxed) },
        progress: bar.show)
    } catch {
      throw Failure(description: "play failed: \(error)")
    }
    bar.finish()
    printLine(
      "played \(summary.passes) pass(es), \(Report.fixed(summary.captureSeconds, 2)) s of capture:"
        + " \(summary.dataDatagrams) data and \(summary.positionDatagrams) position datagrams to"
        + " \(host):\(port)/\(positionPort), \(summary.v2xMessages) V2X messages on \(v2xEndpoint)"
        + (summary.otherDatagramsSkipped > 0
          ? ", \(summary.otherDatagramsSkipped) other records skipped" : "")
        + (keepTimes
          ? "; recorded times kept"
          : "; times moved to now (\(summary.v2xRestamped) V2X secMarks moved,"
            + " \(summary.v2xUnchanged) V2X payloads sent as recorded)"))
  }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar {
  let enabled = isatty(STDERR_FILENO) != 0

  func show(_ fraction: Double) {
    guard enabled else { return }
    let width = 40
    let done = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
    let bar = String(repeating: "#", count: done) + String(repeating: " ", count: width - done)
    FileHandle.standardError.write(Data("\r[\(bar)] \(Int(fraction * 100))%".utf8))
  }

  func finish() {
    guard enabled else { return }
    FileHandle.standardError.write(Data("\n".utf8))
  }
}

struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Score a synthetic drive against its ground truth, fused and LiDAR-only.",
    discussion: """
      Replays the drive twice (with its V2X log, and without) and reports per agent how much \
      earlier the fused grid has it than LiDAR alone, the position error against latency with \
      and without extrapolation, grid IoU and false free / false occupied rates, and the age of \
      the stalest agent. Writes error-vs-latency.png and time-advantage.png to --out \
      (default: the drive's eval/ folder).
      """)

  @Argument(help: "A drive folder with ground truth (Replay/blind-intersection).")
  var drive: String

  @Option(name: .long, help: "TOML config the drive's overrides apply to.")
  var config: String?

  @Option(name: .long, help: "Folder for the table and plots.")
  var out: String?

  @Flag(name: .long, help: "Print one JSON object instead of the table.")
  var json = false

  func run() throws {
    let settings = try loadConfig(config)
    let loaded = try loadDrive(drive, base: settings)
    let folder = out ?? (drive as NSString).appendingPathComponent("eval")
    let scores: Eval.Scores
    do {
      scores = try Eval.run(drive: loaded, outputFolder: folder)
    } catch {
      throw Failure(description: "eval failed: \(error)")
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      printLine(String(decoding: try encoder.encode(scores), as: UTF8.self))
      return
    }
    let table = Eval.table(scores)
    try (table.joined(separator: "\n") + "\n").write(
      toFile: folder + "/eval.txt", atomically: true, encoding: .utf8)
    for line in table { printLine(line) }
    printLine("plots: \(folder)/error-vs-latency.png \(folder)/time-advantage.png")
  }
}

/// LiDAR options shared by every command that reads packets; they override the config file.
struct LidarOptions: ParsableArguments {
  @Option(
    name: .long,
    help:
      "Decode as this model whatever the product byte says (VLP-16, Puck Hi-Res, VLP-32C, HDL-32E, VLS-128)."
  )
  var model: String?

  @Option(
    name: .long, help: "Calibration file (VeloView .xml, ros-drivers/nebula .yaml); needs --model.")
  var calibration: String?

  @Option(name: .long, help: "BPF filter for captures, e.g. \"udp and host 192.168.1.201\".")
  var filter: String?

  @Option(name: .long, help: "Cut sweeps at this azimuth, degrees.")
  var cutAngle: Double?

  func apply(to config: inout SightlineConfig) throws {
    if let model {
      guard let parsed = VelodyneModel(name: model) else {
        throw Failure(description: "unknown model \(model)")
      }
      config.lidar.model = parsed
    }
    if let calibration {
      guard config.lidar.model != nil else {
        throw Failure(
          description: "--calibration needs --model: a calibration file describes one model")
      }
      config.lidar.calibrationPath = calibration
    }
    if let filter { config.lidar.captureFilter = filter }
    if let cutAngle { config.lidar.cutAngleDegrees = cutAngle }
    do {
      try config.checkConsistency(file: "command line")
    } catch {
      throw Failure(description: "\(error)")
    }
  }
}

/// Exits non-zero with one clear line on stderr.
struct Failure: Error, CustomStringConvertible {
  let description: String
}

func loadConfig(_ path: String?) throws -> SightlineConfig {
  guard let path else { return SightlineConfig() }
  do {
    return try SightlineConfig.load(path: path)
  } catch {
    throw Failure(description: "config error: \(error)")
  }
}

func loadDrive(_ folder: String, base: SightlineConfig = SightlineConfig()) throws -> Drive {
  do {
    return try Drive.load(folder: folder, base: base)
  } catch {
    throw Failure(description: "drive error: \(error)")
  }
}

func printLine(_ line: String) {
  print(line)
  fflush(nil)  // flush every stream: subscribers and tests read lines as they come
}

struct RenderCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "render",
    abstract: "Replay a capture and write each fused grid frame as a PNG picture.",
    discussion: """
      Unknown grey, free white, occupied black (shaded by probability), the V2X layer tinted \
      blue, V2X agents' 2σ ellipses coloured by consistency with LiDAR (green confirmed, \
      orange occluded, red contradicted, blue outside the grid), the ego magenta. North up, \
      one pixel per cell. The last line names the last picture.
      """)

  @Option(name: .long, help: "pcap or pcapng capture of the LiDAR's UDP packets.")
  var lidar: String?

  @Option(name: .long, help: "An MCAP recording (replay or run --record) instead of a capture.")
  var recording: String?

  @Option(name: .long, help: "V2X log (docs/V2X-LOG.md) merged with the capture.")
  var v2x: String?

  @Option(name: .long, help: "TOML config; built-in defaults when omitted.")
  var config: String?

  @Option(name: .long, help: "Folder for the pictures (created if missing).")
  var out: String

  @Option(name: .long, help: "Write every Nth frame (the last one always).")
  var every = 1

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    guard (lidar == nil) != (recording == nil) else {
      throw Failure(description: "give either --lidar CAPTURE or --recording FILE.mcap")
    }
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    var written = 0
    var last: GridFrame?
    var lastPath: String?
    func write(_ frame: GridFrame) throws {
      let path = "\(out)/frame-\(String(format: "%06d", frame.sequence)).png"
      try PNGFile.writeRGB(
        GridImage.render(frame), width: Int(frame.columns), height: Int(frame.rows), to: path)
      written += 1
      lastPath = path
    }
    func take(_ frame: GridFrame) throws {
      last = nil
      if frame.sequence % UInt64(max(1, every)) == 0 {
        try write(frame)
      } else {
        last = frame
      }
    }
    do {
      if let recording {
        for frame in try RecordedFrames.read(path: recording) { try take(frame) }
      } else if let lidar {
        var settings = try loadConfig(config)
        settings.publish.endpoint = "inproc://sightline-render"
        try lidarOptions.apply(to: &settings)
        var options = ReplayOptions(lidarPath: lidar, config: settings)
        options.v2xPath = v2x
        _ = try Replay(options: options).run(context: try ZMQContext()) { _ in
        } onFrameData: {
          try take($0)
        }
      }
      if let last { try write(last) }
    } catch {
      throw Failure(description: "render failed: \(error)")
    }
    printLine("wrote \(written) PNG pictures to \(out)")
    printLine("last picture: \(lastPath ?? "none")")
  }
}

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

  @Option(name: .long, help: "Record every frame to this MCAP file (opens in Foxglove).")
  var record: String?

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
    options.recordPath = record

    let bar = ProgressBar()
    let range = bar.enabled ? (try? PcapFile.timeRange(path: options.lidarPath)) ?? nil : nil
    let summary: ReplaySummary
    do {
      summary = try Replay(options: options).run(context: try ZMQContext()) { record in
        if let range {
          bar.show(
            Double(record.lastPacketTimeNanoseconds - range.first)
              / Double(max(1, range.last - range.first)))
        }
        if verbose {
          printLine(
            "published seq=\(record.sequence) points=\(record.points) v2x_agents=\(record.v2xAgents)"
          )
        }
      }
    } catch {
      bar.finish()
      throw Failure(description: "replay failed: \(error)")
    }
    if range != nil { bar.finish() }
    for line in ReplayReport.lines(summary, endpoint: settings.publish.endpoint) { printLine(line) }
    if let record { printLine("recorded \(summary.sweeps.count) frames to \(record)") }
    if let report {
      try ReplayReport.writeJSON(summary, to: report)
    }
    var mismatch: String?
    if let expectedDigest, let digest = summary.digest, digest.hex != expectedDigest {
      mismatch = "digest \(digest.hex) differs from the drive's expect.digest \(expectedDigest)"
      printLine(mismatch!)
    }
    if let digest = summary.digest {
      printLine("digest=\(digest.hex)")
    }
    if let error = summary.inputError {
      throw Failure(description: "replay stopped early: \(error)")
    }
    if let mismatch { throw Failure(description: mismatch) }
  }
}

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
    let s = subscriber.summary
    var line = "received \(s.framesReceived) frames, lost \(s.framesLost)"
    if let published = s.framesPublished { line += ", publisher sent \(published)" }
    if s.malformedMessages > 0 { line += ", \(s.malformedMessages) malformed" }
    if s.endedWithError { line += "; the publisher's input ended with an error" }
    printLine(line)
  }
}

struct DecodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decode",
    abstract: "Decode every LiDAR point of a capture to CSV, one row per point.",
    discussion: "Columns: \(DecodeToCSV.header). return_type: 1 strongest, 2 last, 3 both.")

  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @OptionGroup var lidarOptions: LidarOptions

  @Option(name: .long, help: "TOML config; the options above override it.")
  var config: String?

  @Option(name: .long, help: "Output format; only csv.")
  var format = "csv"

  @Option(name: .long, help: "Output file, or - for standard output.")
  var out = "-"

  func run() throws {
    var settings = try loadConfig(config)
    try lidarOptions.apply(to: &settings)
    guard format == "csv" else { throw Failure(description: "--format must be csv") }
    do {
      _ = try DecodeToCSV.run(capture: capture, config: settings, output: out)
    } catch {
      throw Failure(description: "decode failed: \(error)")
    }
  }
}

struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Describe a capture per sensor: model, mode, RPM, sweeps, losses, GNSS, anomalies.")

  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @OptionGroup var lidarOptions: LidarOptions

  @Flag(name: .long, help: "Print JSON instead of text.")
  var json = false

  func run() throws {
    var settings = SightlineConfig()
    try lidarOptions.apply(to: &settings)
    let report: Inspect.CaptureReport
    do {
      report = try Inspect.run(capture: capture, config: settings)
    } catch {
      throw Failure(description: "inspect failed: \(error)")
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      printLine(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      for line in Inspect.text(report) { printLine(line) }
    }
    if let error = report.error { throw Failure(description: error) }
  }
}

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench", abstract: "Repeatable measurements.",
    subcommands: [
      BenchDecodeCommand.self, BenchV2XCommand.self, BenchGridCommand.self, BenchFrameCommand.self,
      BenchBudgetCommand.self, BenchSubscribersCommand.self,
    ])
}

struct BenchDecodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decode",
    abstract: "Decode a whole capture N times in memory; last line: points_per_s=<median>.")

  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @Option(name: .long, help: "Passes over the capture.")
  var `repeat` = 20

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    var settings = SightlineConfig()
    try lidarOptions.apply(to: &settings)
    let result = try DecodeBenchmark.run(capture: capture, config: settings, repeat: self.repeat)
    printLine(
      "passes=\(result.pointsPerSecond.count) points_per_pass=\(result.pointsPerPass)"
        + " packets_per_pass=\(result.packetsPerPass)"
        + (result.allocations.map { " allocations_in_timed_loops=\($0)" } ?? ""))
    printLine("points_per_s=\(Int(result.median))")
  }
}

struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Read live sensor packets from UDP and publish grid frames until stopped.")

  @Option(name: .long, help: "TOML config; built-in defaults when omitted.")
  var config: String?

  @Option(name: .long, help: "Address to bind.")
  var bind = "0.0.0.0"

  @Option(name: .long, help: "UDP port of the data packets.")
  var port: UInt16 = 2368

  @Option(name: .long, help: "UDP port of the position (GPRMC) packets.")
  var positionPort: UInt16 = 8308

  @Option(name: .long, help: "Override the publish endpoint from config.")
  var publish: String?

  @OptionGroup var lidarOptions: LidarOptions

  @Option(name: .long, help: "Kernel receive buffer, MiB.")
  var receiveBufferMb = 16

  @Option(name: .long, help: "Stop after this many seconds.")
  var duration: Double?

  @Option(name: .long, help: "Stop once data has flowed and then paused this many seconds.")
  var idleExit: Double?

  @Option(name: .long, help: "Wait for this many subscribers before the first frame.")
  var waitSubscribers = 0

  @Option(name: .long, help: "Write the run's summary as JSON to this file.")
  var report: String?

  @Option(name: .long, help: "Record every frame to this MCAP file (opens in Foxglove).")
  var record: String?

  func run() async throws {
    var settings = try loadConfig(config)
    if let publish { settings.publish.endpoint = publish }
    try lidarOptions.apply(to: &settings)
    var options = LiveOptions(config: settings)
    options.bindAddress = bind
    options.dataPort = port
    options.positionPort = positionPort
    options.receiveBufferBytes = receiveBufferMb << 20
    options.durationSeconds = duration
    options.idleExitSeconds = idleExit
    options.waitForSubscribers = waitSubscribers
    options.recordPath = record
    options.configPath = config
    SightlineLogging.bootstrap(level: .info)
    let summary: LiveSummary
    do {
      summary = try await LiveRunService.run(
        options: options, context: try ZMQContext(), logger: Logger(label: "sightline")
      ) { printLine($0) }
    } catch {
      throw Failure(description: "run failed: \(error)")
    }
    printLine(
      "run: \(summary.datagramsReceived) datagrams, \(summary.decodedPackets) LiDAR packets decoded,"
        + " lost \(summary.packetsLost), late \(summary.packetsLate),"
        + " kernel drops \(summary.kernelDrops.map(String.init) ?? "n/a"),"
        + " truncated \(summary.truncatedDatagrams), rejected \(summary.packetsRejected)")
    printLine(
      "frames: \(summary.sweepsPublished) published on \(settings.publish.endpoint),"
        + " \(summary.sweepsDroppedFrameLoopBusy) sweeps dropped while the frame loop was busy,"
        + " \(summary.sweepsOlderThanFrameWithoutLidar) older than a frame without LiDAR;"
        + " \(summary.lidarClockChanges) LiDAR clock changes followed; \(summary.gnssFixes) GNSS fixes"
    )
    if let report {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try encoder.encode(summary).write(to: URL(fileURLWithPath: report))
    }
  }
}

struct V2XCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "v2x", abstract: "V2X tools.", subcommands: [V2XDecodeCommand.self])
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
    installStopHandlers()
    let recorded = try V2XRecorder.record(
      source: source, to: out, count: count, durationSeconds: duration)
    printLine("recorded \(recorded.messages) messages to \(out) (\(recorded.oversized) oversized)")
  }
}

struct BenchV2XCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "v2x",
    abstract:
      "Locate and decode J2735 payloads (one hex per line) repeatedly; last line: bsm_per_s=<median>."
  )

  @Argument(
    help: "File with one hex payload per line, or a .jsonl file with a \"hex\" key per line.")
  var input: String

  @Option(name: .long, help: "Timed passes (each about 200k messages).")
  var `repeat` = 10

  func run() throws {
    let text = try String(contentsOfFile: input, encoding: .utf8)
    var payloads = [[UInt8]]()
    for line in text.split(separator: "\n") {
      var hex = String(line)
      if let range = line.range(of: "\"hex\": \""),
        let end = line[range.upperBound...].firstIndex(of: "\"")
      {
        hex = String(line[range.upperBound..<end])
      }
      if let bytes = V2XLogEntry.bytes(hex: hex.trimmingCharacters(in: .whitespaces)) {
        payloads.append(bytes)
      }
    }
    guard !payloads.isEmpty else { throw Failure(description: "no hex payloads in \(input)") }
    let result = V2XBenchmark.run(payloads: payloads, passes: self.repeat)
    printLine(
      "payloads=\(result.messagesPerPass) bsm_decoded_per_pass=\(result.decodedPerPass)"
        + (result.allocations.map { " allocations_in_timed_loops=\($0)" } ?? ""))
    printLine("bsm_per_s=\(Int(result.median))")
  }
}

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

struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Synchronisation QA report for a drive (folder, capture or V2X log).")

  @Argument(help: "A drive folder (its .pcap and .jsonl), or a capture.")
  var drive: String

  @Option(name: .long, help: "V2X log, when not in the drive folder.")
  var v2x: String?

  @Flag(name: .long, help: "Print JSON.")
  var json = false

  func run() throws {
    var (lidar, log) = Check.inputs(drive)
    if let v2x { log = v2x }
    let report: Check.CheckReport
    do {
      report = try Check.run(lidar: lidar, v2x: log, config: SightlineConfig())
    } catch {
      throw Failure(description: "check failed: \(error)")
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      printLine(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      for line in Check.text(report) { printLine(line) }
    }
  }
}

struct BenchFrameCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "frame",
    abstract:
      "The whole per-frame path on every sweep of a capture; last line: ms_per_frame_p50=<x> ms_per_frame_p99=<y>."
  )

  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @Option(name: .long, help: "Timed passes over the capture (after one warm-up pass).")
  var `repeat` = 20

  @Option(
    name: .long, help: "TOML config (grid size, height band); built-in defaults when omitted.")
  var config: String?

  @Option(name: .long, help: "Run under this wall budget instead of doing all the work.")
  var budgetMs: Double?

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    var settings = try loadConfig(config)
    try lidarOptions.apply(to: &settings)
    let budget = budgetMs.map { FrameBudget.wall(nanoseconds: Int64($0 * 1e6)) }
    if let budgetMs { settings.frame.budgetMilliseconds = budgetMs }
    let result = try FrameBenchmark.run(
      capture: capture, config: settings, passes: self.repeat, budget: budget)
    let p50 = Double(FrameBenchmark.percentile(result.frameNanoseconds, 0.5)) / 1e6
    let p99 = Double(FrameBenchmark.percentile(result.frameNanoseconds, 0.99)) / 1e6
    printLine(
      "frames=\(result.timedFrames) points_per_frame_max=\(result.pointsPerFrame)"
        + " grid=\(settings.grid.columns)x\(settings.grid.rows)@\(settings.grid.resolutionMeters)m"
        + " degraded_frames=\(result.degradedFrames)"
        + " grid_message_bytes_mean=\(result.messageBytes.reduce(0, +) / max(1, result.messageBytes.count))"
        + " compression=\(settings.publish.compression.rawValue)"
        + (result.gridStageAllocations.map { " allocations_grid_stage=\($0)" } ?? "")
        + (result.wholePathAllocations.map { " allocations_whole_path=\($0)" } ?? ""))
    let stages = ["decode", "scroll_decay_v2x", "lidar", "output_publish"]
    printLine(
      "stage medians (ms): "
        + zip(stages, result.stageNanoseconds).map { name, values in
          "\(name)=\(Report.fixed(Double(FrameBenchmark.percentile(values, 0.5)) / 1e6, 3))"
        }.joined(separator: " "))
    printLine("ms_per_frame_p50=\(Report.fixed(p50, 3)) ms_per_frame_p99=\(Report.fixed(p99, 3))")
  }
}

struct BenchSubscribersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "subscribers",
    abstract:
      "The frame loop with no subscriber, a reading one and a stalled one (TCP, SNDHWM 4); last line: stalled_over_none_p50=<ratio>."
  )

  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @Option(name: .long, help: "Timed passes over the capture per case (after one warm-up pass).")
  var `repeat` = 10

  @Option(name: .long, help: "TOML config; built-in defaults when omitted.")
  var config: String?

  @Option(name: .long, help: "Local TCP port to publish on.")
  var port = 5591

  @Option(name: .long, help: "Rounds; each runs the three cases in turn.")
  var rounds = 3

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    var settings = try loadConfig(config)
    try lidarOptions.apply(to: &settings)
    // Rounds interleave the cases, so that the machine's drift spreads over all three.
    var outcomes: [SubscriberBenchmark.Peer: [SubscriberBenchmark.Outcome]] = [:]
    for _ in 0..<rounds {
      for peer in SubscriberBenchmark.Peer.allCases {
        outcomes[peer, default: []].append(
          try SubscriberBenchmark.run(
            capture: capture, config: settings, passes: self.repeat, peer: peer, port: port))
      }
    }
    var p50: [SubscriberBenchmark.Peer: Double] = [:]
    for peer in SubscriberBenchmark.Peer.allCases {
      let runs = outcomes[peer] ?? []
      let times = runs.flatMap(\.frameNanoseconds)
      let median = Double(FrameBenchmark.percentile(times, 0.5)) / 1e6
      let p99 = Double(FrameBenchmark.percentile(times, 0.99)) / 1e6
      p50[peer] = median
      let received = runs.compactMap(\.received)
      let lost = runs.compactMap(\.lost)
      printLine(
        "subscriber=\(peer.rawValue) frames=\(times.count)"
          + " ms_per_frame_p50=\(Report.fixed(median, 3)) ms_per_frame_p99=\(Report.fixed(p99, 3))"
          + " published=\(runs.map(\.published).reduce(0, +))"
          + (received.isEmpty ? "" : " subscriber_received=\(received.reduce(0, +))")
          + (lost.isEmpty ? "" : " subscriber_counted_lost=\(lost.reduce(0, +))"))
    }
    let none = p50[.none] ?? 1
    printLine(
      "reading_over_none_p50=\(Report.fixed((p50[.reading] ?? 0) / none, 3))"
        + " stalled_over_none_p50=\(Report.fixed((p50[.stalled] ?? 0) / none, 3))")
  }
}

struct BenchBudgetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "budget",
    abstract:
      "Budget adherence: many frames under a tight wall budget; prints the overrun distribution."
  )

  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @Option(name: .long, help: "Frames to run (the capture's sweeps, cycled).")
  var frames = 10_000

  @Option(name: .long, help: "Wall budget per frame, milliseconds.")
  var budgetMs: Double = 5

  @Option(name: .long, help: "TOML config; built-in defaults when omitted.")
  var config: String?

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    var settings = try loadConfig(config)
    try lidarOptions.apply(to: &settings)
    let result = try FrameBenchmark.budget(
      capture: capture, config: settings, frames: frames, budgetMilliseconds: budgetMs)
    let overruns = result.overrunNanoseconds
    func ms(_ fraction: Double) -> String {
      Report.fixed(Double(FrameBenchmark.percentile(overruns, fraction)) / 1e6, 3)
    }
    let over = overruns.filter { $0 > 0 }
    printLine(
      "frames=\(overruns.count) budget_ms=\(budgetMs) degraded_frames=\(result.degradedFrames)"
        + " points_skipped=\(result.pointsSkipped)")
    printLine(
      "frames_over_budget=\(over.count)"
        + " over_by_ms_max=\(Report.fixed(Double(over.max() ?? 0) / 1e6, 3))")
    printLine(
      "end_minus_budget_ms p50=\(ms(0.5)) p90=\(ms(0.9)) p99=\(ms(0.99)) p99.9=\(ms(0.999))"
        + " max=\(Report.fixed(Double(overruns.max() ?? 0) / 1e6, 3))")
  }
}

struct BenchGridCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "grid",
    abstract:
      "Update the grid with every scan of a shared scan file; last line: ms_per_scan=<median>.")

  @Option(name: .long, help: "Scan file from shared/bench/gen_street_scans.py.")
  var scans: String

  @Option(name: .long, help: "Grid cells per side.")
  var size = 1000

  @Option(name: .long, help: "Cell size, metres.")
  var resolution: Float = 0.1

  @Option(name: .long, help: "polar (default) or per-point ray casting.")
  var rays = "polar"

  func run() throws {
    let loaded = try GridBenchmark.load(scans)
    guard rays == "polar" || rays == "per-point" else {
      throw ValidationError("--rays takes polar or per-point, not \(rays)")
    }
    let casting: RayCasting = rays == "per-point" ? .perPoint : .standard
    let result = GridBenchmark.run(loaded, size: size, resolution: resolution, rays: casting)
    printLine(
      "scans=\(loaded.count) points_per_scan=\(loaded.pointsPerScan) rays=\(rays) size=\(size) resolution=\(resolution) cells_updated_per_scan=\(result.cellsTouched / max(1, loaded.count))"
    )
    printLine("ms_per_scan=\(Report.fixed(result.median, 3))")
  }
}
