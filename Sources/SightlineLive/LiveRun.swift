import SightlineLidar
import SightlineOps
import SightlinePipeline
import SightlinePublish
import SightlineUDP
import SightlineVelodyne
import SightlineZMQ

/// `sightline run`: live packets from UDP sockets through the same pipeline as a replay. The
/// calling thread receives and decodes; a frame thread builds and publishes frames; a V2X
/// thread, when there are sources, receives and decodes V2X (docs/ARCHITECTURE.md).
public struct LiveRun {
  public let options: LiveOptions
  /// A pause in the LiDAR stream this long ends the sweep being assembled (the assembler's own
  /// gap rule, 0.1 s, would only see it when the next packet comes).
  static let flushAfterNanoseconds: Int64 = 50_000_000

  public init(options: LiveOptions) { self.options = options }

  public func run(context: ZMQContext, log: @escaping @Sendable (String) -> Void) throws
    -> LiveSummary
  {
    let ingest = try LidarRig(config: options.config)
    let sockets = try LidarSockets(
      options: options, ports: ingest.frameIngest.ports.filter { $0 != 0 },
      otherPorts: ingest.otherSensorPorts, maxPayloadBytes: ingest.maxPayloadBytes, log: log)
    let security = try SocketSecurity.make(config: options.config, context: context)
    defer { security?.stop() }
    let metrics = RuntimeMetrics()
    let metricsServer = try MetricsServer.start(
      config: options.config, metrics: metrics, foxglove: options.foxglove, log: log)
    defer { metricsServer?.stop() }
    // Two spare buffers: the frame loop may fall a whole sweep behind before one is dropped.
    // Each VLS-128 sweep fills about 7 MiB; a third spare was resident after any longer stall
    // (Tools/bench/RESULTS.md, memory).
    let mailbox = SweepMailbox(buffers: 2, capacity: ingest.sensors.count > 1 ? 400_000 : 300_000)
    try checkEgoSource()
    log(FrameThread.egoSourceLine(options.config.ego))
    let v2x = startV2X(context: context, security: security)
    let poses = startPoses(context: context)
    let frames = FrameThread(
      context: context, options: options, mailbox: mailbox, security: security,
      metrics: metrics, v2x: v2x, log: log)
    frames.poses = poses
    frames.start()
    guard frames.waitUntilReady() else {
      stop(v2x?.thread)
      stop(poses?.thread)
      mailbox.finish()
      frames.join()
      throw frames.failure ?? CancellationError()
    }
    try receive(into: ingest, from: sockets, mailbox: mailbox, fixes: frames.fixQueue)
    mailbox.finish()
    frames.join()
    stop(v2x?.thread)
    stop(poses?.thread)
    if let failure = v2x?.thread.failure { throw failure }
    if let failure = poses?.thread.failure { throw failure }
    if let failure = frames.failure { throw failure }
    var summary = LiveSummary(
      sockets: sockets, lidar: ingest.counters, frames: frames, mailbox: mailbox, v2x: v2x)
    summary.takeEgo(frames.egoStatus, poses: poses)
    return summary
  }

  private func startV2X(context: ZMQContext, security: SocketSecurity?) -> (
    thread: V2XThread, queue: V2XQueue
  )? {
    guard !options.config.v2x.sources.isEmpty else { return nil }
    let queue = V2XQueue(capacity: options.config.v2x.queueCapacity)
    let thread = V2XThread(
      context: context, config: options.config, queue: queue, clock: options.hostClock,
      security: security, stop: options.stop)
    thread.start()
    return (thread, queue)
  }

  private func stop(_ thread: V2XThread?) {
    thread?.requestStop()
    thread?.join()
  }

  /// The localization thread, when it is the ego source.
  private func startPoses(context: ZMQContext) -> (thread: PoseThread, queue: EgoPoseQueue)? {
    guard options.config.ego.source == .localization else { return nil }
    let queue = EgoPoseQueue(capacity: 1024)
    let thread = PoseThread(
      context: context, config: options.config.ego, queue: queue, clock: options.hostClock,
      stop: options.stop)
    thread.start()
    return (thread, queue)
  }

  private func stop(_ thread: PoseThread?) {
    thread?.requestStop()
    thread?.join()
  }

  /// The own-BSM source hears the vehicle's BSMs on a V2X source: a run without one would
  /// never have an ego.
  private func checkEgoSource() throws {
    if options.config.ego.source == .bsm && options.config.v2x.sources.isEmpty {
      throw ConfigError(
        file: options.configPath ?? "the config", key: "ego.source",
        problem: "\"bsm\" needs a [[v2x.source]] that carries the vehicle's own BSMs")
    }
  }

  /// Receives and decodes until stopped (by the token, the duration, or the idle rule), handing
  /// every sweep to the mailbox and every GNSS fix to the frame thread.
  private func receive(
    into ingest: LidarRig, from sockets: LidarSockets, mailbox: SweepMailbox,
    fixes: BoundedQueue<GNSSFix>
  ) throws {
    let clock = options.hostClock
    ingest.onFix = { fixes.push($0) }
    var lidarTotals = LidarTotals()
    ingest.onTotals = { lidarTotals = $0 }
    func deposit(_ sweep: inout Sweep, _ decodeNanoseconds: Int64) {
      mailbox.deposit(
        &sweep, decodeNanoseconds: decodeNanoseconds, hostTime: clock.now(), totals: lidarTotals)
    }
    let started = MonotonicClock.nanoseconds()
    var lastData: Int64?
    while !options.stop.isRequested && !isOver(started: started, lastData: lastData) {
      let received = try sockets.data.receiveBatch(timeoutMilliseconds: 20) { datagram in
        try ingest.ingest(
          payload: datagram.payload, destinationPort: sockets.streamPorts.data,
          captureTime: clock.map(kernelTime: datagram.kernelTimeNanoseconds), onFrame: deposit)
      }
      // The other sensors' sockets hold their packets in the kernel until now (at most the
      // 20 ms above: their buffers are as large as the data port's).
      for (receiver, port) in sockets.others {
        try receiver.receiveBatch(timeoutMilliseconds: 0) { datagram in
          try ingest.ingest(
            payload: datagram.payload, destinationPort: port,
            captureTime: clock.map(kernelTime: datagram.kernelTimeNanoseconds), onFrame: deposit)
        }
      }
      if received > 0 {
        lastData = MonotonicClock.nanoseconds()
      } else if let lastData, MonotonicClock.nanoseconds() - lastData > Self.flushAfterNanoseconds {
        // The stream paused: hand on the sweep it left half done now, not when it resumes
        // (it would then arrive after the frames made without LiDAR in between).
        try ingest.flush(onFrame: deposit)
      }
      try sockets.position?.receiveBatch(timeoutMilliseconds: 0) { datagram in
        try ingest.ingest(
          payload: datagram.payload, destinationPort: sockets.streamPorts.second,
          captureTime: clock.map(kernelTime: datagram.kernelTimeNanoseconds), onFrame: deposit)
      }
    }
    try ingest.flush(onFrame: deposit)
  }

  /// The run's duration has passed, or data flowed and then paused for the idle time.
  private func isOver(started: Int64, lastData: Int64?) -> Bool {
    let now = MonotonicClock.nanoseconds()
    if let duration = options.durationSeconds, Double(now - started) / 1e9 >= duration {
      return true
    }
    if let idle = options.idleExitSeconds, let lastData, Double(now - lastData) / 1e9 >= idle {
      return true
    }
    return false
  }
}
