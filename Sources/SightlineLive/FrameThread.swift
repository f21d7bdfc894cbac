import Foundation
import Logging
import SightlineFoxglove
import SightlineLidar
import SightlineOps
import SightlinePipeline
import SightlinePublish
import SightlineSchema
import SightlineVelodyne
import SightlineZMQ

/// Owns the frame loop (and so the publisher's socket) on its own thread: a frame per sweep
/// from the mailbox, and frames without LiDAR when sweeps stop (`LidarPresence`), so that
/// subscribers keep getting V2X agents and a decaying grid, told that LiDAR is absent. Keeps
/// the live run's own counts (`LiveCounters`) and folds them into every frame's counters.
final class FrameThread: @unchecked Sendable {
  let context: ZMQContext
  let options: LiveOptions
  let mailbox: SweepMailbox
  let security: SocketSecurity?
  let metrics: RuntimeMetrics
  let log: @Sendable (String) -> Void
  /// The V2X thread and its queue, when the run has V2X sources.
  let v2x: (thread: V2XThread, queue: V2XQueue)?
  let fixQueue = BoundedQueue<GNSSFix>(capacity: 256)
  /// The localization thread and its queue, with `[ego] source = "localization"` (set before
  /// `start`).
  var poses: (thread: PoseThread, queue: EgoPoseQueue)?
  /// The ego source and the newest pose's age at the last frame; read after `join()`.
  private(set) var egoStatus = EgoStatus()
  private let worker = WorkerThread(name: "sightline-frames")
  /// The config in force (reloads replace the parts that may change while running).
  private var config: SightlineConfig
  private var counts = LiveCounters()
  /// The recorder's own thread, when the run records.
  private var recording: BackgroundSink?
  /// The Foxglove converter's thread and its server, with `--foxglove`.
  private var foxglove: (converter: BackgroundSink, server: FoxgloveServer)?
  /// Events worth a line (each call site is rate-limited when `SightlineLogging` is set up, so
  /// a flood of bad senders cannot flood the log); counts stay in the frames' counters.
  private let logger = Logger(label: "sightline.frames")
  private var reported = (
    clockSteps: 0, quarantines: 0, denied: 0, lidarSilent: false, egoStale: false
  )
  /// Frames built, for trimming the heap now and then (`trimHeapNowAndThen`).
  private var framesBuilt = 0
  /// Read after `join()`.
  private(set) var records: [SweepRecord] = []
  private(set) var framesPublished = 0
  /// Frames the recording dropped because its thread was behind.
  var recordingFramesDropped: Int { recording?.dropped ?? 0 }
  /// What the Foxglove side dropped: messages for clients behind, frames for its converter.
  var foxgloveDrops: (messages: Int, frames: Int) {
    (foxglove?.server.dropped ?? 0, foxglove?.converter.dropped ?? 0)
  }

  init(
    context: ZMQContext, options: LiveOptions, mailbox: SweepMailbox,
    security: SocketSecurity?, metrics: RuntimeMetrics, v2x: (thread: V2XThread, queue: V2XQueue)?,
    log: @escaping @Sendable (String) -> Void
  ) {
    self.context = context
    self.options = options
    self.mailbox = mailbox
    self.security = security
    self.metrics = metrics
    self.v2x = v2x
    self.log = log
    config = options.config
  }

  func start() { worker.start { [self] _ in try body() } }
  func waitUntilReady() -> Bool { worker.waitUntilReady() }
  func join() { worker.join() }
  var failure: (any Error)? { worker.failure }
  /// Sweeps dropped because a frame without LiDAR had already gone out for a later time.
  var lateSweeps: Int { counts.sweepsAfterSilentFrame }
  /// Sweeps far behind the frames without LiDAR before them, whose clock frames then followed.
  var lidarClockChanges: Int { counts.lidarClockChanges }

  private func body() throws {
    try RealtimePriority.apply(options.config.frame.realtimePriority)
    let loop = try makeFrameLoop()
    defer { close(loop) }
    ProcessMemory.trim()  // the tables built once left their temporaries
    if options.waitForSubscribers > 0 {
      try loop.publisher?.waitForSubscribers(
        options.waitForSubscribers, timeoutSeconds: options.subscriberTimeoutSeconds)
    }
    worker.signalReady()
    try runFrames(loop)
    updateCounters(loop)
    try loop.publishEndOfStream(inputError: false, clock: options.hostClock.now())
  }

  private func makeFrameLoop() throws -> FrameLoop {
    let publisher = try FramePublisher(
      context: context, config: config, security: security)
    var sinks: [any FrameSink] = [publisher]
    do {
      if let path = options.recordPath {
        // Encoding and writing the recording run beside the frame loop, never in its way.
        let grid = config.grid
        let recorder = BackgroundSink(
          wrapping: try FrameRecorder(path: path, compression: config.publish.recordCompression),
          name: "sightline-record",
          bytesPerFrame: grid.columns * grid.rows * 5 + 65_536)
        recording = recorder
        sinks.append(recorder)
      }
      if let address = options.foxglove {
        // Converting only what clients subscribed to, and never waiting for their sockets.
        let sink = try FoxgloveSink(
          address: address, routes: [MetricsServer.route(metrics)], log: log)
        let converter = BackgroundSink(
          wrapping: sink, name: "sightline-foxglove",
          bytesPerFrame: config.grid.columns * config.grid.rows * 5 + 65_536)
        foxglove = (converter, sink.server)
        sinks.append(converter)
      }
    } catch {
      for sink in sinks { sink.close(discardPending: true) }
      throw error
    }
    let loop = FrameLoop(config: config, live: true, sinks: sinks)
    loop.recordLimit = 1000  // the summary keeps the latest frames; counts cover them all
    let clock = options.hostClock
    loop.hostTime = { clock.now() }
    return loop
  }

  /// Stopped by a signal: close at once (linger 0); at a natural end, let the last stats go.
  private func close(_ loop: FrameLoop) {
    records = loop.records
    framesPublished = loop.framesProcessed
    egoStatus = loop.egoStatus
    loop.close(discardPending: options.stop.isRequested)
  }

  /// Until the mailbox is finished: a frame per sweep, frames without LiDAR when due, reloads.
  private func runFrames(_ loop: FrameLoop) throws {
    let clock = options.hostClock
    var presence = LidarPresence(now: clock.now())
    while true {
      let timeout = Int64(config.frame.lidarTimeoutMilliseconds) * 1_000_000
      switch mailbox.take(timeoutNanoseconds: presence.wait(now: clock.now(), timeout: timeout)) {
      case .finished:
        return
      case .sweep(var sweep, let decodeNanoseconds, let hostTime):
        try take(
          &sweep, decodeNanoseconds: decodeNanoseconds, hostTime: hostTime, timeout: timeout,
          presence: &presence, loop: loop)
        mailbox.recycle(&sweep)
      case .timedOut:
        let now = clock.now()
        if let due = presence.frameWithoutLidar(now: now, timeout: timeout) {
          try frameWithoutLidar(
            at: due.time, silentNanoseconds: due.silentNanoseconds, clock: now, loop)
        }
      }
      if options.reload.take() { reloadConfig(loop) }
    }
  }

  /// A sweep from the mailbox: dropped when late, else its frame (frames follow the sensor's
  /// clock from here when it changed).
  private func take(
    _ sweep: inout Sweep, decodeNanoseconds: Int64, hostTime: Int64, timeout: Int64,
    presence: inout LidarPresence, loop: FrameLoop
  ) throws {
    switch presence.judge(
      sweepEnd: sweep.endNanoseconds, lastFrameTime: loop.lastReferenceTime, timeout: timeout)
    {
    case .late:
      counts.sweepsAfterSilentFrame += 1
      presence.lateSweepArrived(at: hostTime)
      return
    case .sensorClockChanged:
      counts.lidarClockChanges += 1
      logger.warning(
        Logger.Message(
          stringLiteral:
            "LiDAR time is \(Double(loop.lastReferenceTime - sweep.endNanoseconds) / 1e9) s"
            + " behind the last frame without LiDAR: frames follow the sensor's clock"))
    case .onTime:
      break
    }
    if reported.lidarSilent {
      reported.lidarSilent = false
      logger.notice(
        "LiDAR is back after \(Double(hostTime - presence.lastSweepHost) / 1e9) s without sweeps")
    }
    presence.sweepTaken(at: hostTime, sweepEnd: sweep.endNanoseconds)
    takeQueued(loop)
    try loop.process(&sweep, decodeNanoseconds: decodeNanoseconds, clock: options.hostClock.now())
    record(loop, lidarOffset: presence.sensorMinusHost)
    trimHeapNowAndThen()
  }

  private func frameWithoutLidar(
    at time: Int64, silentNanoseconds: Int64, clock: Int64, _ loop: FrameLoop
  ) throws {
    if !reported.lidarSilent {
      reported.lidarSilent = true
      logger.warning(
        Logger.Message(
          stringLiteral:
            "no LiDAR sweep for \(config.frame.lidarTimeoutMilliseconds) ms: frames go on"
            + " without LiDAR (V2X agents and decay), marked lidar_status ABSENT"))
    }
    takeQueued(loop)
    try loop.processWithoutLidar(at: time, silentNanoseconds: silentNanoseconds, clock: clock)
    record(loop, lidarOffset: nil)
    trimHeapNowAndThen()
  }

  /// The first frames grow buffers to their size (the old ones freed), and a minute of frames
  /// may leave freed chunks: glibc keeps them resident unless trimmed (well under a
  /// millisecond, after a frame has gone out).
  private func trimHeapNowAndThen() {
    framesBuilt += 1
    if framesBuilt == 20 || framesBuilt % 600 == 0 { ProcessMemory.trim() }
  }

  /// The frame just published, for the metrics (no allocation: the reasons are the counters'
  /// own strings, and the metrics cache a handle per reason).
  private func record(_ loop: FrameLoop, lidarOffset: Int64?) {
    let frame = loop.frame
    metrics.record(
      frame: FrameSample(
        frame, processingNanoseconds: loop.lastProcessingNanoseconds, lidarOffset: lidarOffset,
        senderClock: loop.senderClock))
    for drop in frame.counters.drops { metrics.setDrops(reason: drop.reason, total: drop.count) }
  }

  /// V2X messages and GNSS fixes that arrived since the last frame, and the counters.
  private func takeQueued(_ loop: FrameLoop) {
    v2x?.queue.drain { loop.observe($0) }
    fixQueue.drain { loop.observe($0) }
    poses?.queue.drain { loop.observe($0) }
    updateCounters(loop)
  }

  /// Re-reads the config file. A file that does not load, or that changes a setting that
  /// cannot change while running, is rejected whole and the running config kept (counted and
  /// logged); otherwise the settings that may change take effect from the next frame.
  private func reloadConfig(_ loop: FrameLoop) {
    guard let path = options.configPath else {
      counts.configReloadsRejected += 1
      log("config reload rejected: the run has no config file (--config)")
      return
    }
    do {
      let reloaded = try SightlineConfig.load(path: path)
      if let fixed = reloaded.changedFixedSections(from: config) {
        counts.configReloadsRejected += 1
        log(
          "config reload rejected: \(path): [\(fixed.joined(separator: "], ["))] cannot change"
            + " while running (restart to apply); the running config is kept")
        return
      }
      config = reloaded
      loop.apply(reloaded)
      counts.configReloads += 1
      log("config reloaded from \(path)")
    } catch {
      counts.configReloadsRejected += 1
      log("config reload rejected: \(error); the running config is kept")
    }
  }

  /// The frames' counters from every stage's own, and a line for each new event worth one.
  private func updateCounters(_ loop: FrameLoop) {
    let steps = options.hostClock.steps
    counts.hostClockSteps = steps.count
    counts.hostClockStepTotalNanoseconds = steps.totalNanoseconds
    counts.sweepsDropped = mailbox.dropped
    counts.v2xQueueOverflow = v2x?.queue.overflowed ?? 0
    counts.egoPoseQueueOverflow = poses?.queue.overflowed ?? 0
    counts.authDenied = security?.denied ?? 0
    counts.recordingFramesDropped = recording?.dropped ?? 0
    (counts.foxgloveMessagesDropped, counts.foxgloveFramesDropped) = foxgloveDrops
    reportEvents(loop, steps: steps)
    loop.counters.update(
      lidar: mailbox.lidarTotals, v2x: v2x?.thread.counters, timeline: loop.timeline, live: counts,
      egoPoses: poses?.thread.counters ?? .init())
  }

  /// A line when the ego pose goes stale or is fresh again (from the second frame on).
  private func reportEgo(_ loop: FrameLoop) {
    guard loop.framesProcessed > 0 else { return }
    let status = loop.egoStatus
    guard let line = egoEvent(status, wasStale: reported.egoStale) else { return }
    reported.egoStale = status.stale
    if status.stale {
      logger.warning(Logger.Message(stringLiteral: line))
    } else {
      logger.notice(Logger.Message(stringLiteral: line))
    }
  }

  private func reportEvents(_ loop: FrameLoop, steps: (count: Int, totalNanoseconds: Int64)) {
    if steps.count > reported.clockSteps {
      reported.clockSteps = steps.count
      logger.warning(
        Logger.Message(
          stringLiteral:
            "the host clock stepped (\(Double(steps.totalNanoseconds) / 1e9) s in all); the run"
            + " keeps its own timeline and does not follow it"))
    }
    let quarantines = loop.timeline.plausibility.quarantines
    if quarantines > reported.quarantines {
      logger.warning(
        Logger.Message(
          stringLiteral:
            "\(quarantines - reported.quarantines) V2X sender(s) quarantined for"
            + " \(config.v2x.quarantineSeconds) s by the misbehaviour checks (counters v2x.*)"))
      reported.quarantines = quarantines
    }
    reportEgo(loop)
    if let security, security.denied > reported.denied {
      reported.denied = security.denied
      logger.warning(
        "CURVE handshake refused: \(security.authenticator?.counts.lastDenial ?? "unknown peer")")
    }
  }
}
