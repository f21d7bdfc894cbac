import SightlineFoxglove
import SightlineLidar
import SightlinePcap
import SightlinePipeline
import SightlinePublish
import SightlineSchema
import SightlineZMQ

/// Replays a capture through the whole pipeline: pcap → UDP → decode → sweeps → grid → ZeroMQ.
/// Single-threaded: the frame loop owns every stage, and time is the capture's (a virtual
/// clock), so a replay is the same on every run (docs/ARCHITECTURE.md).
public struct Replay {
  public let options: ReplayOptions
  /// Hears the fraction of the capture read, by its record times (ReplayProgress): about every
  /// 100 ms, and 1 once the whole capture is done.
  public let progress: ((Double) -> Void)?
  /// The shortest time between progress reports (tests set 0 to hear every record).
  var progressIntervalNanoseconds: Int64 = 100_000_000

  public init(options: ReplayOptions, progress: ((Double) -> Void)? = nil) {
    self.options = options
    self.progress = progress
  }

  /// Runs to the end of the capture. `onFrame` sees every frame after it is published.
  /// `onFrameData`, when given, sees each published frame (grid, agents and counters).
  public func run(
    context: ZMQContext, onFrame: (SweepRecord) -> Void = { _ in },
    onFrameData: ((GridFrame) throws -> Void)? = nil
  ) throws -> ReplaySummary {
    let capture = try LinkLayerCapture(
      path: options.lidarPath, filter: options.config.lidar.captureFilter)
    let ingest = try LidarRig(config: options.config)
    let egoSource = try options.egoSource()
    let frames = try makeFrameLoop(context: context)
    frames.egoSource = egoSource
    defer { frames.close() }
    if options.egoFromGNSS { ingest.onFix = { frames.observe($0) } }
    var v2x = try V2XLogFeed(
      path: options.v2xPath,
      staleAfterMilliseconds: Int64(options.config.v2x.staleAfterMilliseconds))
    defer { v2x.release() }
    var ego = try EgoTruthFeed(path: options.egoTruthPath)
    if options.egoTruthPath != nil { frames.antenna = .zero }  // the truth is base_link's
    var poses = try EgoPoseFeed(path: options.egoPoseLogPath)
    var pacer = Pacer(pacing: options.pacing)
    let position = progress == nil ? nil : ReplayProgress(capture: options.lidarPath)
    var throttle = ProgressThrottle(progress, intervalNanoseconds: progressIntervalNanoseconds)
    var clock: Int64 = .min
    func feed(through time: Int64) {
      ego.feed(through: time, into: frames)
      poses.feed(through: time, into: frames)
      v2x.feed(
        through: time, hostAhead: ingest.clock.estimate?.offsetNanoseconds ?? 0, into: frames)
    }
    var lidarTotals = LidarTotals()
    ingest.onTotals = { lidarTotals = $0 }
    func emit(_ sweep: inout Sweep, _ decodeNanoseconds: Int64) throws {
      frames.counters.update(
        lidar: lidarTotals, v2x: v2x.ingest.counters, timeline: frames.timeline,
        egoPoses: poses.ingest.counters)
      onFrame(try frames.process(&sweep, decodeNanoseconds: decodeNanoseconds, clock: clock))
      try onFrameData?(frames.frame)
    }

    var summary = ReplaySummary()
    summary.inputError = try capture.read(until: options.shouldStop) { record in
      pacer.wait(untilCaptureTime: record.timestampNanoseconds)
      clock = record.timestampNanoseconds
      feed(through: clock)
      try ingest.ingest(
        frame: record.bytes, linkType: capture.linkType, captureTime: clock, onFrame: emit)
      if let position { throttle.update(position.fraction(captureTime: clock)) }
    }
    summary.stoppedEarly = summary.inputError == nil && options.shouldStop()
    try ingest.flush(onFrame: emit)
    if !summary.stoppedEarly { feed(through: .max) }
    summary.v2x = v2x.ingest.counters
    summary.sweeps = frames.records
    summary.digest = frames.digest
    summary.counters = ingest.counters
    summary.lidarHint = ingest.otherVendorHint
    summary.lidarDrops = ingest.drops.map { LidarDrop(reason: $0.reason, count: $0.count) }
    summary.sensors = frames.sensorReports(of: ingest)
    frames.counters.update(
      lidar: ingest.counters.totals, v2x: v2x.ingest.counters, timeline: frames.timeline,
      egoPoses: poses.ingest.counters)
    summary.ego = frames.egoStatus
    try frames.publishEndOfStream(inputError: summary.inputError != nil, clock: clock)
    if summary.inputError == nil && !summary.stoppedEarly { throttle.finish() }
    return summary
  }

  /// The frame loop and its sinks: the publisher (with its subscribers, when asked to wait for
  /// them), the recording, the digest.
  private func makeFrameLoop(context: ZMQContext) throws -> FrameLoop {
    let publisher = try FramePublisher(context: context, config: options.config)
    var sinks: [any FrameSink] = [publisher]
    do {
      if let path = options.recordPath {
        sinks.append(
          try FrameRecorder(path: path, compression: options.config.publish.recordCompression))
      }
      if let address = options.foxglove {
        sinks.append(try FoxgloveSink(address: address, log: options.log))
      }
      if options.waitForSubscribers > 0 {
        try publisher.waitForSubscribers(
          options.waitForSubscribers, timeoutSeconds: options.subscriberTimeoutSeconds)
      }
    } catch {
      for sink in sinks { sink.close(discardPending: true) }
      throw error
    }
    let frames = FrameLoop(config: options.config, live: false, sinks: sinks)
    if options.digest { frames.digest = FrameDigest() }
    return frames
  }
}
