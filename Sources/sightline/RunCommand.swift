// `sightline run`: live sensor packets from UDP through the pipeline until stopped.

import ArgumentParser
import Logging
import SightlineLive
import SightlineOps
import SightlineTools
import SightlineZMQ

struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Read live sensor packets from UDP and publish grid frames until stopped.")

  @Option(name: .long, help: "TOML config; built-in defaults when omitted.")
  var config: String?

  @Option(name: .long, help: "Address to bind.")
  var bind = "0.0.0.0"

  @Option(
    name: .long,
    help:
      "UDP port of the data packets (default: the sensor's: 2368 Velodyne and Hesai, 7502 Ouster).")
  var port: UInt16?

  @Option(
    name: .long,
    help: "UDP port of the sensor's second stream: Velodyne's GPRMC (8308), Ouster's IMU (7503).")
  var positionPort: UInt16?

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

  @OptionGroup var output: FrameOutputOptions

  func run() async throws {
    // Before the run's threads start (and make arenas of their own).
    ProcessMemory.limitArenas()
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
    options.recordPath = output.record
    options.foxglove = try output.foxgloveAddress(config: settings)
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
    for line in LiveSummaryReport.lines(summary, endpoint: settings.publish.endpoint) {
      printLine(line)
    }
    if let report { try LiveSummaryReport.writeJSON(summary, to: report) }
  }
}
