import Foundation
import Logging
import SightlineLidar
import SightlineOps
import SightlineTimeline
import SightlineUDP
import SightlineZMQ
import Synchronization

/// Set by SIGINT/SIGTERM; the live loop checks it between batches and stops cleanly.
public let stopRequested = Atomic<Bool>(false)

/// Set by SIGHUP: the live run re-reads its config file.
let reloadSignalled = Atomic<Bool>(false)

public func installStopHandlers() {
  signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
  signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
  installReloadHandler()
}

/// SIGHUP: live runs re-read their config file.
public func installReloadHandler() {
  signal(SIGHUP) { _ in reloadSignalled.store(true, ordering: .relaxed) }
}

/// Asks one live run to re-read its config file (SIGHUP asks every run in the process).
public final class ReloadTrigger: Sendable {
  private let requested = Atomic<Bool>(false)
  public init() {}
  public func request() { requested.store(true, ordering: .relaxed) }
  /// True once per request (or per SIGHUP).
  func take() -> Bool {
    requested.exchange(false, ordering: .relaxed)
      || reloadSignalled.exchange(false, ordering: .relaxed)
  }
}

public struct LiveOptions: Sendable {
  public var config: SightlineConfig
  public var bindAddress = "0.0.0.0"
  public var dataPort: UInt16 = VelodynePacketLayout.dataPort
  public var positionPort: UInt16 = VelodynePacketLayout.positionPort
  /// Kernel receive buffer per socket. 16 MiB holds about 2 s of VLS-128 traffic.
  public var receiveBufferBytes = 16 << 20
  /// Stop after this long (nil: until a signal).
  public var durationSeconds: Double?
  /// Stop once data has flowed and then nothing arrived for this long (tests, scripted runs).
  public var idleExitSeconds: Double?
  public var waitForSubscribers = 0
  public var subscriberTimeoutSeconds: Double = 10
  /// Record every frame to this MCAP file (FrameRecorder).
  public var recordPath: String?
  /// The config file, re-read on SIGHUP or `reload.request()`.
  public var configPath: String?
  /// Asks the running frame thread to re-read `configPath`.
  public var reload = ReloadTrigger()
  /// The run's host timeline (tests inject clock steps through it).
  public var hostClock = HostClock()

  public init(config: SightlineConfig) { self.config = config }
}

public struct LiveSummary: Sendable, Codable {
  public var datagramsReceived = 0
  public var truncatedDatagrams = 0
  /// Datagrams the kernel dropped before we read them (SO_RXQ_OVFL); nil if not available.
  public var kernelDrops: Int?
  public var decodedPackets = 0
  /// Missing from the sensor's sequence (azimuth gaps): lost on the wire or by the kernel.
  public var packetsLost = 0
  public var packetsLate = 0
  public var packetsRejected = 0
  public var gnssFixes = 0
  public var sweepsPublished = 0
  /// Sweeps not turned into frames because the frame thread was still busy with older ones.
  /// (`sweeps` holds the latest 1000 to 2000 frames only.)
  public var sweepsDroppedFrameLoopBusy = 0
  /// Sweeps that arrived older than a frame already published without LiDAR, by up to a
  /// second (late): dropped so frame times never go back.
  public var sweepsOlderThanFrameWithoutLidar = 0
  /// Times the sensor's clock turned out far behind the frames without LiDAR before it (no
  /// sweep had come yet, or the sensor restarted): frames then follow the sensor's clock.
  public var lidarClockChanges = 0
  public var receiveBufferGrantedBytes = 0
  public var receiveBufferCapped = false
  public var v2x = V2XCounters()
  /// Decoded V2X messages dropped because the frame loop did not take them in time.
  public var v2xQueueOverflow = 0
  public var sweeps: [SweepRecord] = []
}

/// Hands finished sweeps from the ingest thread to the frame thread without copying points:
/// buffers circulate through a small pool. When the frame thread falls behind, new sweeps are
/// dropped and counted, so the ingest thread never blocks and never loses packets.
final class SweepMailbox: @unchecked Sendable {
  private let condition = NSCondition()
  private var pool: [[LidarPoint]]
  private var queue: [(Sweep, Int64, Int64)] = []
  private var finished = false
  private var dropCount = 0
  private var totals = LidarTotals()

  init(buffers: Int, capacity: Int) {
    pool = (0..<buffers).map { _ in
      var buffer = [LidarPoint]()
      buffer.reserveCapacity(capacity)
      return buffer
    }
    queue.reserveCapacity(buffers)
  }

  /// Ingest side: takes the sweep's points (leaving an empty buffer with capacity behind).
  /// `totals` are the ingest's counters as of this sweep, for the frame's counters.
  /// `hostTime`: when the sweep was handed over, on the run's host timeline.
  func deposit(
    _ sweep: inout Sweep, decodeNanoseconds: Int64, hostTime: Int64, totals: LidarTotals
  ) {
    condition.lock()
    defer { condition.unlock() }
    self.totals = totals
    guard var buffer = pool.popLast() else {
      dropCount += 1
      return
    }
    swap(&buffer, &sweep.points)
    var handed = sweep
    handed.points = buffer
    queue.append((handed, decodeNanoseconds, hostTime))
    condition.signal()
  }

  enum Taken {
    case sweep(Sweep, decodeNanoseconds: Int64, hostTime: Int64)
    case timedOut
    case finished
  }

  /// Frame side: waits up to `timeoutNanoseconds` for the next sweep.
  func take(timeoutNanoseconds: Int64) -> Taken {
    condition.lock()
    defer { condition.unlock() }
    if queue.isEmpty && !finished {
      _ = condition.wait(until: Date(timeIntervalSinceNow: Double(timeoutNanoseconds) / 1e9))
    }
    guard !queue.isEmpty else { return finished ? .finished : .timedOut }
    let (sweep, decode, host) = queue.removeFirst()
    return .sweep(sweep, decodeNanoseconds: decode, hostTime: host)
  }

  /// Frame side: gives a processed sweep's buffer back.
  func recycle(_ sweep: inout Sweep) {
    var buffer = [LidarPoint]()
    swap(&buffer, &sweep.points)
    buffer.removeAll(keepingCapacity: true)
    condition.lock()
    pool.append(buffer)
    condition.unlock()
  }

  /// Sweeps dropped because the frame thread was busy.
  var dropped: Int {
    condition.lock()
    defer { condition.unlock() }
    return dropCount
  }

  /// The ingest's counters as of the last deposited sweep.
  var lidarTotals: LidarTotals {
    condition.lock()
    defer { condition.unlock() }
    return totals
  }

  func finish() {
    condition.lock()
    finished = true
    condition.broadcast()
    condition.unlock()
  }
}

/// `sightline run`: live packets from UDP sockets through the same pipeline as a replay.
/// The calling thread receives and decodes; a frame thread builds and publishes frames.
public struct LiveRun {
  public let options: LiveOptions
  /// A pause in the LiDAR stream this long ends the sweep being assembled (the assembler's own
  /// gap rule, 0.1 s, would only see it when the next packet comes).
  static let flushAfterNanoseconds: Int64 = 50_000_000

  public init(options: LiveOptions) { self.options = options }

  public func run(context: ZMQContext, log: @escaping @Sendable (String) -> Void) throws
    -> LiveSummary
  {
    var ingest = try Replay.makeIngest(config: options.config)
    let data = try UDPReceiver(
      bindAddress: options.bindAddress, port: options.dataPort,
      receiveBufferBytes: options.receiveBufferBytes)
    let position = try UDPReceiver(
      bindAddress: options.bindAddress, port: options.positionPort,
      receiveBufferBytes: 1 << 20, batchSize: 8, maxDatagramSize: 1024)
    var summary = LiveSummary()
    summary.receiveBufferGrantedBytes = data.grantedReceiveBufferBytes / 2
    summary.receiveBufferCapped = data.receiveBufferWasCapped
    if data.receiveBufferWasCapped {
      log(
        "warning: the kernel capped the receive buffer at \(data.grantedReceiveBufferBytes / 2)"
          + " bytes (asked \(options.receiveBufferBytes)); raise net.core.rmem_max")
    }
    log("listening on \(options.bindAddress):\(data.boundPort) (position \(position.boundPort))")

    let mailbox = SweepMailbox(buffers: 3, capacity: 300_000)
    let clock = options.hostClock
    let security = try SocketSecurity.make(config: options.config, context: context)
    defer { security?.stop() }
    // Metrics: one frame sample per frame; served on `metrics.listen` when set.
    let metrics = RuntimeMetrics()
    var endpoint: PrometheusEndpoint?
    if !options.config.metrics.listen.isEmpty {
      endpoint = try PrometheusEndpoint(address: options.config.metrics.listen, metrics: metrics)
      try endpoint?.start()
      let host = options.config.metrics.listen.split(separator: ":").dropLast().joined(
        separator: ":")
      log("metrics on http://\(host):\(endpoint?.port ?? 0)/metrics")
    }
    defer { endpoint?.stop() }
    let frameThread = FrameThread(
      context: context, options: options, mailbox: mailbox, security: security, metrics: metrics,
      log: log)
    var v2xThread: V2XThread?
    if !options.config.v2x.sources.isEmpty {
      let queue = V2XQueue(capacity: options.config.v2x.queueCapacity)
      frameThread.v2xQueue = queue
      v2xThread = V2XThread(
        context: context, config: options.config, queue: queue, clock: options.hostClock,
        security: security)
      frameThread.v2xThread = v2xThread
      v2xThread?.start()
    }
    frameThread.start()
    guard frameThread.waitUntilReady() else {
      v2xThread?.stop()
      v2xThread?.join()
      mailbox.finish()
      frameThread.join()
      throw frameThread.failure ?? CancellationError()
    }

    let fixes = frameThread.fixQueue
    ingest.onFix = { fixes.push($0) }
    var lidarTotals = LidarTotals()
    ingest.onTotals = { lidarTotals = $0 }
    func deposit(_ sweep: inout Sweep, _ decodeNanoseconds: Int64) {
      mailbox.deposit(
        &sweep, decodeNanoseconds: decodeNanoseconds, hostTime: clock.now(), totals: lidarTotals)
    }
    let started = MonotonicClock.nanoseconds()
    var lastData: Int64?
    while !stopRequested.load(ordering: .relaxed) {
      let now = MonotonicClock.nanoseconds()
      if let duration = options.durationSeconds, Double(now - started) / 1e9 >= duration { break }
      if let idle = options.idleExitSeconds, let lastData, Double(now - lastData) / 1e9 >= idle {
        break
      }
      let received = try data.receiveBatch(timeoutMilliseconds: 20) { datagram in
        let time = clock.map(kernelTime: datagram.kernelTimeNanoseconds)
        ingest.ingest(
          payload: datagram.payload, destinationPort: VelodynePacketLayout.dataPort,
          captureTime: time, onSweep: deposit)
      }
      if received > 0 {
        lastData = MonotonicClock.nanoseconds()
      } else if let lastData, MonotonicClock.nanoseconds() - lastData > Self.flushAfterNanoseconds {
        // The stream paused: hand on the sweep it left half done now, not when it resumes
        // (it would then arrive after the frames made without LiDAR in between).
        ingest.flush(onSweep: deposit)
      }
      try position.receiveBatch(timeoutMilliseconds: 0) { datagram in
        let time = clock.map(kernelTime: datagram.kernelTimeNanoseconds)
        ingest.ingest(
          payload: datagram.payload, destinationPort: VelodynePacketLayout.positionPort,
          captureTime: time, onSweep: deposit)
      }
    }
    ingest.flush(onSweep: deposit)
    mailbox.finish()
    frameThread.join()
    v2xThread?.stop()
    v2xThread?.join()
    if let v2xThread {
      summary.v2x = v2xThread.counters
      summary.v2xQueueOverflow = frameThread.v2xQueue?.overflowed ?? 0
      if let failure = v2xThread.failure { throw failure }
    }

    let c = ingest.counters
    summary.datagramsReceived = data.datagramsReceived
    summary.truncatedDatagrams = data.truncatedDatagrams
    summary.kernelDrops = data.kernelDrops()
    summary.decodedPackets = c.decodedPackets
    summary.packetsLost = c.packetsMissing
    summary.packetsLate = c.latePackets
    summary.packetsRejected = c.totalPacketsRejected
    summary.gnssFixes = c.gnssFixes
    summary.sweeps = frameThread.records
    summary.sweepsPublished = frameThread.framesPublished
    summary.sweepsDroppedFrameLoopBusy = mailbox.dropped
    summary.sweepsOlderThanFrameWithoutLidar = frameThread.lateSweeps
    summary.lidarClockChanges = frameThread.lidarClockChanges
    if let failure = frameThread.failure { throw failure }
    return summary
  }
}

/// Owns the frame loop (and so the publisher socket) on its own thread. A frame per sweep; when
/// no sweep comes for `frame.lidar_timeout_ms`, a frame without LiDAR at that period, so that
/// subscribers keep getting V2X agents and a decaying grid, told that LiDAR is absent.
final class FrameThread: @unchecked Sendable {
  let context: ZMQContext
  let options: LiveOptions
  let mailbox: SweepMailbox
  let security: SocketSecurity?
  let metrics: RuntimeMetrics
  let log: @Sendable (String) -> Void
  var v2xQueue: V2XQueue?
  /// Where the frames' V2X counters come from.
  var v2xThread: V2XThread?
  let fixQueue = BoundedQueue<GNSSFix>(capacity: 256)
  private let state = NSCondition()
  private var ready: Bool?
  private var done = false
  private(set) var records: [SweepRecord] = []
  private(set) var framesPublished = 0
  private(set) var failure: (any Error)?
  /// The config in force (reloads replace the parts that may change while running).
  private(set) var config: SightlineConfig
  /// Events worth a line (each call site is rate-limited when `SightlineLogging` is set up, so
  /// a flood of bad senders cannot flood the log); counts stay in the frames' counters.
  let logger = Logger(label: "sightline.frames")
  private var reported = (clockSteps: 0, quarantines: 0, denied: 0, lidarSilent: false)
  /// Sweeps dropped because a frame without LiDAR had already gone out for a later time.
  private(set) var lateSweeps = 0
  /// Sweeps far behind the frames without LiDAR before them: the sensor's clock was not the one
  /// those frames assumed (no sweep yet, or the sensor restarted). Followed, not dropped.
  private(set) var lidarClockChanges = 0
  /// The V2X senders' clocks against the host's: the lower envelope of receive time against
  /// generation time (secMark) over every sender's messages, so the metric is the most advanced
  /// sender clock less the fastest delivery. Samples within 100 ms (of generation time) merge
  /// into one, keeping the fastest: under a flood of thousands a frame, the fit is redone only
  /// when a bucket's minimum improves, not once a message.
  private var v2xClock = ClockAlignment(bucketNanoseconds: 100_000_000)

  init(
    context: ZMQContext, options: LiveOptions, mailbox: SweepMailbox, security: SocketSecurity?,
    metrics: RuntimeMetrics, log: @escaping @Sendable (String) -> Void
  ) {
    self.security = security
    self.metrics = metrics
    self.context = context
    self.options = options
    self.mailbox = mailbox
    self.log = log
    config = options.config
  }

  func start() {
    let thread = Thread { [self] in body() }
    thread.name = "sightline-frames"
    thread.start()
  }

  private func body() {
    var frames: FrameLoop?
    let clock = options.hostClock
    do {
      let loop = try FrameLoop(context: context, config: config, live: true, security: security)
      loop.recordLimit = 1000  // the summary keeps the latest frames; counts cover them all
      loop.framer.hostTime = { clock.now() }
      if let recordPath = options.recordPath { loop.recorder = try FrameRecorder(path: recordPath) }
      frames = loop
      if options.waitForSubscribers > 0 {
        try loop.publisher.waitForSubscribers(
          options.waitForSubscribers, timeoutSeconds: options.subscriberTimeoutSeconds)
      }
      signalReady(true)
      // The last sweep's arrival on the host timeline, and sensor − host then: frames without
      // LiDAR are made at host time moved onto the sensor clock, so times stay monotonic. Before
      // the first sweep the sensor's clock is unknown, and they are made at host time.
      var lastSweepHost = clock.now()
      var sensorMinusHost: Int64?
      var lastFrameHost = lastSweepHost
      loop: while true {
        let timeout = Int64(config.frame.lidarTimeoutMilliseconds) * 1_000_000
        // How far behind the last frame a sweep may be and still be a late one (the ingest
        // thread held up past the time-out); farther, it is the sensor's clock that differs.
        let lateLimit = max(1_000_000_000, 4 * timeout)
        let now = clock.now()
        let wait = timeout > 0 ? max(1_000_000, lastFrameHost + timeout - now) : 100_000_000
        switch mailbox.take(timeoutNanoseconds: min(wait, 100_000_000)) {
        case .finished:
          break loop
        case .sweep(var sweep, _, let hostTime)
        where sensorMinusHost != nil && sweep.endNanoseconds <= loop.lastReferenceTime
          && loop.lastReferenceTime - sweep.endNanoseconds <= lateLimit:
          // Older than a frame already published without LiDAR (the ingest thread was held up
          // past the time-out, or the sensor came back a little behind): publishing it would
          // send subscribers back in time. The LiDAR is alive, though: no more frames without
          // it, or each would push the next sweeps back behind it, for ever.
          lateSweeps += 1
          lastSweepHost = hostTime
          lastFrameHost = hostTime
          mailbox.recycle(&sweep)
        case .sweep(var sweep, let decodeNanoseconds, let hostTime):
          if sweep.endNanoseconds <= loop.lastReferenceTime {
            // Far behind the frames without LiDAR: they were made on a clock the sensor does
            // not keep (no sweep had come yet, or the sensor restarted). Frames follow the
            // sensor from here; dropping its sweeps as late would drop them all.
            lidarClockChanges += 1
            loop.framer.counters.lidarClockChanges += 1
            logger.warning(
              Logger.Message(
                stringLiteral:
                  "LiDAR time is \(Double(loop.lastReferenceTime - sweep.endNanoseconds) / 1e9) s"
                  + " behind the last frame without LiDAR: frames follow the sensor's clock"))
          }
          if reported.lidarSilent {
            reported.lidarSilent = false
            logger.notice(
              "LiDAR is back after \(Double(hostTime - lastSweepHost) / 1e9) s without sweeps")
          }
          lastSweepHost = hostTime
          lastFrameHost = hostTime
          sensorMinusHost = sweep.endNanoseconds - hostTime
          takeQueued(loop)
          try loop.process(&sweep, decodeNanoseconds: decodeNanoseconds, clock: clock.now())
          mailbox.recycle(&sweep)
          record(loop, lidarOffset: sensorMinusHost)
        case .timedOut:
          let now = clock.now()
          if timeout > 0 && now - lastFrameHost >= timeout {
            lastFrameHost = now
            if !reported.lidarSilent {
              reported.lidarSilent = true
              logger.warning(
                Logger.Message(
                  stringLiteral:
                    "no LiDAR sweep for \(config.frame.lidarTimeoutMilliseconds) ms: frames go on"
                    + " without LiDAR (V2X agents and decay), marked lidar_status ABSENT"))
            }
            takeQueued(loop)
            try loop.processWithoutLidar(
              at: now + (sensorMinusHost ?? 0), silentNanoseconds: now - lastSweepHost, clock: now)
            record(loop, lidarOffset: nil)
          }
        }
        if options.reload.take() { reloadConfig(loop) }
      }
      updateCounters(loop)
      try loop.publishEndOfStream(inputError: false, clock: clock.now())
    } catch {
      failure = error
      signalReady(false)
    }
    state.lock()
    records = frames?.records ?? []
    framesPublished = frames?.framesProcessed ?? 0
    // Stopped by a signal: close at once (linger 0); at a natural end, let the last stats go.
    frames?.close(discardPending: stopRequested.load(ordering: .relaxed))
    done = true
    state.broadcast()
    state.unlock()
  }

  /// The frame just published, for the metrics (no allocation: the reasons are the counters'
  /// own strings, and the metrics cache a handle per reason).
  private func record(_ loop: FrameLoop, lidarOffset: Int64?) {
    let frame = loop.framer.frame
    let counters = frame.counters
    let budget = Int64(frame.budgetNanoseconds)
    let processing = loop.framer.lastProcessingNanoseconds
    metrics.record(
      frame: FrameSample(
        durationSeconds: Double(processing) / 1e9,
        overranBudget: budget > 0 && processing > budget,
        degraded: frame.flags.contains(.degraded), v2xAgents: frame.agents.count,
        quarantinedSenders: Int(frame.quarantinedSenders),
        lidarPacketsTotal: counters.lidarPackets,
        lidarPacketsLostTotal: counters.lidarPacketsMissing,
        v2xMessagesTotal: counters.v2xReceived,
        lidarClockOffsetSeconds: lidarOffset.map { Double($0) / 1e9 },
        // Sender − host (the estimate is receive − generation).
        v2xClockOffsetSeconds: v2xClock.estimate.map { -Double($0.offsetNanoseconds) / 1e9 }))
    for drop in counters.drops { metrics.setDrops(reason: drop.reason, total: drop.count) }
  }

  /// V2X messages and GNSS fixes that arrived since the last frame, and the counters.
  private func takeQueued(_ loop: FrameLoop) {
    v2xQueue?.drain { observation in
      if let age = observation.ageMilliseconds {
        let received = observation.receiveTimeNanoseconds
        _ = v2xClock.add(
          sensorTimeNanoseconds: received &- age &* 1_000_000, receiveTimeNanoseconds: received)
      }
      loop.timeline.observe(observation)
    }
    fixQueue.drain { loop.timeline.observe($0) }
    updateCounters(loop)
  }

  /// Re-reads the config file. A file that does not load, or that changes a setting that
  /// cannot change while running, is rejected whole and the running config kept (counted and
  /// logged); otherwise the settings that may change take effect from the next frame.
  private func reloadConfig(_ loop: FrameLoop) {
    guard let path = options.configPath else {
      loop.framer.counters.configReloadsRejected += 1
      log("config reload rejected: the run has no config file (--config)")
      return
    }
    do {
      let reloaded = try SightlineConfig.load(path: path)
      if let fixed = reloaded.changedFixedSections(from: config) {
        loop.framer.counters.configReloadsRejected += 1
        log(
          "config reload rejected: \(path): [\(fixed.joined(separator: "], ["))] cannot change"
            + " while running (restart to apply); the running config is kept")
        return
      }
      config = reloaded
      loop.apply(reloaded)
      loop.framer.counters.configReloads += 1
      log("config reloaded from \(path)")
    } catch {
      loop.framer.counters.configReloadsRejected += 1
      log("config reload rejected: \(error); the running config is kept")
    }
  }

  private func updateCounters(_ loop: FrameLoop) {
    let steps = options.hostClock.steps
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
    if let security, security.denied > reported.denied {
      reported.denied = security.denied
      logger.warning(
        "CURVE handshake refused: \(security.authenticator?.counts.lastDenial ?? "unknown peer")")
    }
    loop.framer.counters.hostClockSteps = UInt64(steps.count)
    loop.framer.counters.hostClockStepTotalNanoseconds = steps.totalNanoseconds
    let lidar = mailbox.lidarTotals
    let live = LiveRunDrops(
      sweepsDropped: mailbox.dropped, sweepsAfterSilentFrame: lateSweeps,
      v2xQueueOverflow: v2xQueue?.overflowed ?? 0, authDenied: security?.denied ?? 0)
    if let v2xThread {
      v2xThread.withLatestCounters {
        loop.framer.counters.update(lidar: lidar, v2x: $0, timeline: loop.timeline, live: live)
      }
    } else {
      loop.framer.counters.update(lidar: lidar, v2x: nil, timeline: loop.timeline, live: live)
    }
  }

  private func signalReady(_ value: Bool) {
    state.lock()
    if ready == nil { ready = value }
    state.broadcast()
    state.unlock()
  }

  func waitUntilReady() -> Bool {
    state.lock()
    defer { state.unlock() }
    while ready == nil { state.wait() }
    return ready ?? false
  }

  func join() {
    state.lock()
    while !done { state.wait() }
    state.unlock()
  }
}
