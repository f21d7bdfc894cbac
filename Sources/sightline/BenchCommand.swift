// `sightline bench`: repeatable measurements (decode, v2x, grid, frame, budget, units, subscribers,
// foxglove, latency). Each prints BenchmarkReport's lines; the last line is the one scripts
// compare. A progress bar on standard error while they run, when it is a terminal (between
// timed passes).

import ArgumentParser
import Foundation
import SightlineBenchmarks
import SightlineGrid
import SightlinePipeline

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench", abstract: "Repeatable measurements.",
    subcommands: [
      BenchDecodeCommand.self, BenchV2XCommand.self, BenchGridCommand.self, BenchFrameCommand.self,
      BenchBudgetCommand.self, BenchUnitsCommand.self, BenchSubscribersCommand.self,
      BenchFoxgloveCommand.self, BenchLatencyCommand.self,
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
    let result = try ProgressBar(label: "bench decode").run {
      try DecodeBenchmark.run(
        capture: capture, config: settings, repeat: self.repeat, progress: $0)
    }
    for line in BenchmarkReport.decode(result) { printLine(line) }
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
    let payloads = try V2XBenchmarkPayloads.load(path: input)
    guard !payloads.isEmpty else { throw Failure(description: "no hex payloads in \(input)") }
    let result = ProgressBar(label: "bench v2x").run {
      V2XBenchmark.run(payloads: payloads, passes: self.repeat, progress: $0)
    }
    for line in BenchmarkReport.v2x(result) { printLine(line) }
  }
}

struct BenchFrameCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "frame",
    abstract:
      "The whole per-frame path on every sweep of a capture; last line: ms_per_frame_p50=<x> ms_per_frame_p99=<y>."
  )

  @Argument(help: "pcap or pcapng capture, or a drive folder (its capture and config: a rig).")
  var capture: String

  @Option(name: .long, help: "Timed passes over the capture (after one warm-up pass).")
  var `repeat` = 20

  @Option(
    name: .long, help: "TOML config (grid size, height band); built-in defaults when omitted.")
  var config: String?

  @Option(name: .long, help: "Run under this wall budget instead of doing all the work.")
  var budgetMs: Double?

  @Option(
    name: .long,
    help:
      "Drive the ego at this speed (m/s) on a 300 m circle, so every sweep is de-skewed as on a road; 0: no ego, no de-skew."
  )
  var egoSpeed: Double = 0

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    var settings = try loadConfig(config)
    var capture = capture
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: capture, isDirectory: &isFolder), isFolder.boolValue {
      // A drive folder: its capture, with its config (a rig's sensors and mounts).
      let drive = try loadDrive(capture, base: settings)
      capture = drive.lidarPath
      settings = drive.config
    }
    try lidarOptions.apply(to: &settings)
    let budget = budgetMs.map { FrameBudget.wall(nanoseconds: Int64($0 * 1e6)) }
    if let budgetMs { settings.frame.budgetMilliseconds = budgetMs }
    let result = try ProgressBar(label: "bench frame").run {
      try FrameBenchmark.run(
        capture: capture, config: settings, passes: self.repeat, budget: budget,
        egoSpeed: egoSpeed, progress: $0)
    }
    for line in BenchmarkReport.frame(result, config: settings) { printLine(line) }
  }
}

struct BenchSubscribersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "subscribers",
    abstract:
      "The frame loop with no subscriber, a reading one and a stalled one (TCP, SNDHWM 4); last line: stalled_over_none_p50=<ratio>."
  )

  @OptionGroup var cases: BenchCasesOptions

  @Option(name: .long, help: "Local TCP port to publish on.")
  var port = 5591

  func run() throws {
    let settings = try cases.settings()
    let outcomes = try ProgressBar(label: "bench subscribers").run {
      try SubscriberRounds.run(
        capture: cases.capture, config: settings, passes: cases.repeat, port: port,
        rounds: cases.rounds, progress: $0)
    }
    for line in BenchmarkReport.subscribers(outcomes) { printLine(line) }
  }
}

struct BenchFoxgloveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "foxglove",
    abstract:
      "The frame loop serving Foxglove with no client, a reading one and a stalled one (never reads, 4 KiB receive buffer); last line: stalled_over_reading_p50=<ratio>."
  )

  @OptionGroup var cases: BenchCasesOptions

  @Option(name: .long, help: "Messages the server queues per client before dropping its oldest.")
  var queueLimit = 16

  func run() throws {
    let settings = try cases.settings()
    let outcomes = try ProgressBar(label: "bench foxglove").run { progress in
      try SubscriberRounds.interleave(rounds: cases.rounds, progress: progress) { peer, inCase in
        try FoxgloveBenchmark.run(
          capture: cases.capture, config: settings, passes: cases.repeat, peer: peer,
          queueLimit: queueLimit, progress: inCase)
      }
    }
    for line in BenchmarkReport.foxglove(outcomes) { printLine(line) }
  }
}

struct BenchLatencyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "latency",
    abstract:
      "A Velodyne capture sent over loopback UDP at its own rate into a live run, each frame stamped on arrival at a ZeroMQ subscriber; last line: e2e_ms_p50=<x> e2e_ms_p99=<y>.",
    discussion: """
      Latency runs from the host time the last packet of a sweep was sent to the frame's \
      arrival, both on one clock (sender, run and subscriber share the process). The capture \
      loops, restamped, for --seconds (whole passes) or --passes.
      """)

  @Argument(help: "pcap or pcapng capture of a Velodyne sensor.")
  var capture: String

  @Option(name: .long, help: "Send for at least this long (whole passes over the capture).")
  var seconds = 15.0

  @Option(name: .long, help: "Passes over the capture (instead of --seconds).")
  var passes: Int?

  @Option(
    name: .long, help: "TOML config (grid size, budget); built-in defaults when omitted.")
  var config: String?

  @Option(name: .long, help: "The live run's wall budget per frame, ms (frame.budget_ms).")
  var budgetMs: Double?

  @Option(name: .long, help: "ZeroMQ endpoint the run publishes on (and the subscriber reads).")
  var publish = "tcp://127.0.0.1:5594"

  @Option(name: .long, help: "Write one CSV row per matched frame (latency and its parts) here.")
  var csv: String?

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    var settings = try lidarOptions.settings(from: config)
    if let budgetMs {
      guard budgetMs > 0 else { throw Failure(description: "--budget-ms must be above 0") }
      settings.frame.budgetMilliseconds = budgetMs
    }
    guard seconds > 0 else { throw Failure(description: "--seconds must be above 0") }
    if let passes, passes < 1 { throw Failure(description: "--passes must be at least 1") }
    let result: LatencyBenchmark.Result
    do {
      result = try ProgressBar(label: "bench latency").run { progress in
        try LatencyBenchmark.run(
          capture: capture, config: settings, passes: passes, seconds: seconds,
          endpoint: publish,
          log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }, progress: progress)
      }
    } catch {
      throw Failure(description: "bench latency failed: \(error)")
    }
    if let csv {
      do {
        try BenchmarkReport.latencyCSV(result).write(toFile: csv, atomically: true, encoding: .utf8)
      } catch {
        throw Failure(description: "cannot write \(csv): \(error)")
      }
    }
    for line in BenchmarkReport.latency(result, capture: capture) { printLine(line) }
  }
}

struct BenchBudgetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "budget",
    abstract:
      "Budget adherence: many frames under a tight wall budget with V2X agents; last line: overrun_ms_p50=<x> overrun_ms_p99=<y> overrun_ms_p999=<z> overrun_ms_max=<m> frames_missing_agents=<n>."
  )

  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @Option(name: .long, help: "Frames to run (the capture's sweeps, cycled).")
  var frames = 10_000

  @Option(name: .long, help: "Wall budget per frame, milliseconds.")
  var budgetMs: Double = 5

  @Option(
    name: .long,
    help: "V2X cars observed before each frame (5 m accuracy, 150 ms old: wide ellipses).")
  var agents = 256

  @Option(
    name: .long,
    help:
      "The 1σ position accuracy each car reports, metres (the painter caps σ at 3 m; below about 0.3 m a car paints little more than its footprint)."
  )
  var agentAccuracyM: Double = 5

  @Option(
    name: .long,
    help:
      "Run the frames under SCHED_FIFO at this priority (1-99; needs CAP_SYS_NICE), as a live run's frame.realtime_priority does; 0: the normal scheduler."
  )
  var realtimePriority: Int?

  @Option(
    name: .long,
    help:
      "Start a frame every this many milliseconds, as a sensor would (0: back to back). Needed with --realtime-priority: the kernel throttles a SCHED_FIFO thread that never sleeps."
  )
  var periodMs: Double = 0

  @Option(name: .long, help: "TOML config; built-in defaults when omitted.")
  var config: String?

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    var settings = try lidarOptions.settings(from: config)
    if let realtimePriority {
      guard (0...99).contains(realtimePriority) else {
        throw ValidationError("--realtime-priority is 0 to 99, not \(realtimePriority)")
      }
      settings.frame.realtimePriority = realtimePriority
    }
    let result = try ProgressBar(label: "bench budget").run {
      try FrameBenchmark.budget(
        capture: capture, config: settings, frames: frames, budgetMilliseconds: budgetMs,
        agents: agents, agentAccuracyMeters: agentAccuracyM, periodMilliseconds: periodMs,
        progress: $0)
    }
    for line in BenchmarkReport.budget(result, budgetMilliseconds: budgetMs) { printLine(line) }
  }
}

struct BenchUnitsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "units",
    abstract:
      "What each kind of grid work costs here (the reference machine's figures in WorkCosts); last line: decay_cell_ps=… agent_cell_ps=… point_ps=… free_space_cell_ps=… hit_ps=…."
  )

  @Argument(
    help:
      "pcap or pcapng captures (the more their mix of points and cells differs, the better the fit)."
  )
  var captures: [String]

  @Option(name: .long, help: "Timed passes over each capture (after one warm-up pass).")
  var `repeat` = 3

  @Option(name: .long, help: "V2X cars in the second run of each capture (as `bench budget`).")
  var agents = 64

  @Option(name: .long, help: "TOML config; built-in defaults when omitted.")
  var config: String?

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    let settings = try lidarOptions.settings(from: config)
    let result = try ProgressBar(label: "bench units").run {
      try WorkUnitCalibration.run(
        captures: captures, config: settings, passes: self.repeat, agents: agents, progress: $0)
    }
    for line in BenchmarkReport.units(result) { printLine(line) }
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
    let result = ProgressBar(label: "bench grid").run {
      GridBenchmark.run(
        loaded, size: size, resolution: resolution, rays: casting, progress: $0)
    }
    for line in BenchmarkReport.grid(
      result, scans: loaded, rays: rays, size: size, resolution: resolution)
    {
      printLine(line)
    }
  }
}

/// The options of the benchmarks that interleave three cases in rounds (subscribers, foxglove).
struct BenchCasesOptions: ParsableArguments {
  @Argument(help: "pcap or pcapng capture.")
  var capture: String

  @Option(name: .long, help: "Timed passes over the capture per case (after one warm-up pass).")
  var `repeat` = 10

  @Option(name: .long, help: "TOML config; built-in defaults when omitted.")
  var config: String?

  @Option(name: .long, help: "Rounds; each runs the three cases in turn.")
  var rounds = 3

  @OptionGroup var lidarOptions: LidarOptions

  /// The config file (or the defaults) with the LiDAR options applied.
  func settings() throws -> SightlineConfig { try lidarOptions.settings(from: config) }
}
