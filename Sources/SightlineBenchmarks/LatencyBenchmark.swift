import Foundation
import SightlineLive
import SightlinePipeline
import SightlineVelodyne
import SightlineZMQ
import Synchronization

/// `sightline bench latency`: end-to-end latency of a live run, from the host time the last
/// packet of a sweep was sent to the host time its frame reached a ZeroMQ subscriber.
///
/// Everything runs in this process, on real sockets: a sender thread (this one) plays the
/// capture over loopback UDP at its own rate (`LatencySender`), `LiveRun` (the code behind
/// `sightline run`, unchanged: its ingest thread and frame thread) decodes, builds and
/// publishes over ZeroMQ, and a subscriber thread stamps each frame on arrival
/// (`LatencySubscriber`). In-process rather than a child `sightline run`, so that the send and
/// arrival stamps are read from one clock with no alignment to estimate: the run's own
/// `HostClock` (CLOCK_MONOTONIC plus a fixed anchor), which also stamps each frame's publish
/// time, so the latency splits into before and after publishing exactly.
///
/// How a frame is matched to its sweep's last packet: a Velodyne sweep ends with the last
/// packet appended to it (the one whose azimuth crossed the cut, or the last before a pause),
/// and its frame's `referenceTimeNanoseconds` is that packet's timestamp resolved to UTC
/// (`Sweep.endNanoseconds`): the hour from the run's clock or GPRMC, the microseconds past the
/// hour the packet's own. The sender restamps every pass so that no two data packets of a run
/// (under an hour) carry the same microseconds past the hour, and records each one's with the
/// host time just before its send; the frame's reference time modulo one hour, in
/// microseconds, finds that packet and so its send time. A frame with LiDAR whose key matches
/// no packet sent is counted unmatched (and lost); frames published but never received and
/// sweeps the run dropped are counted lost too: none is left out of the counts.
public enum LatencyBenchmark {
  public struct Failure: Error, CustomStringConvertible {
    public let description: String
  }

  /// One frame matched to its sweep's last packet, its latency and the latency's parts.
  public struct Frame: Sendable {
    public var sequence: UInt64
    /// The last packet: its index among the data packets sent, its pass, its index in the pass.
    public var packet: Int
    public var pass: Int
    public var packetInPass: Int
    /// The sweep did not run from cut to cut (the stream's start, a pause).
    public var partialSweep: Bool
    /// The budget did not allow all the frame's work.
    public var degraded: Bool
    /// Last packet sent → arrival, and its parts: → frame start (receive, decode, hand-over),
    /// the grid (V2X, decay and LiDAR stages), output (encoding), publish → arrival.
    public var latency: Int64
    public var toFrameStart: Int64
    public var grid: Int64
    public var output: Int64
    public var transport: Int64
  }

  public struct Result: Sendable {
    /// Passes over the capture, data and position packets sent, and the seconds sending took.
    public var passes = 0
    public var packetsSent = 0
    public var positionPacketsSent = 0
    public var sendSeconds = 0.0
    /// Frames with LiDAR the subscriber received, and frames without LiDAR (the run publishes
    /// them while no sweep comes: before the first packet and after the last).
    public var framesReceived = 0
    public var framesWithoutLidar = 0
    /// Each matched frame, in arrival order, but `closedByPause`.
    public var matched: [Frame] = []
    /// The frame of the last packet sent, when its sweep did not end at the cut: nothing came
    /// after it, so the run's pause rule closed it (`LiveRun.flushAfterNanoseconds`, 50 ms).
    /// An artefact of the stream's end, reported alone, outside the quantiles.
    public var closedByPause: Frame?
    /// Frames with LiDAR whose reference time matched no packet sent.
    public var unmatched = 0
    /// Frames the run published that never arrived.
    public var notReceived = 0
    /// Sweeps the run dropped instead of making a frame: frame loop busy, or late.
    public var sweepsDropped = 0
    public var malformedMessages = 0
    /// The run's own summary (datagrams received, kernel drops, packets lost).
    public var summary = LiveSummary()

    /// End-to-end latency of each frame in `matched`.
    public var latencies: [Int64] { matched.map(\.latency) }
    public var framesMatched: Int { matched.count + (closedByPause == nil ? 0 : 1) }
    public var framesLost: Int { unmatched + notReceived + sweepsDropped }
    /// Every frame there should have been: matched + lost.
    public var frames: Int { framesMatched + framesLost }
  }

  /// Plays `capture` for `passes` passes (nil: as many as fill `seconds`) into a live run made
  /// from `config`, publishing on `endpoint`. `log` hears the run's own lines.
  public static func run(
    capture: String, config: SightlineConfig, passes: Int?, seconds: Double, endpoint: String,
    log: @escaping @Sendable (String) -> Void = { _ in },
    progress: ((Double) -> Void)? = nil
  ) throws -> Result {
    guard try LidarIngest(config: config).velodyne != nil else {
      throw Failure(
        description:
          "bench latency plays Velodyne captures, and the config's LiDAR is not a Velodyne"
          + " (an Ouster --metadata or a Hesai --model)")
    }
    let sender = try LatencySender(capture: capture, filter: config.lidar.captureFilter)
    let passCount =
      passes ?? max(1, Int((seconds * 1e9 / Double(sender.passNanoseconds)).rounded(.up)))
    guard passCount > 0 else { throw Failure(description: "--passes must be at least 1") }
    let context = try ZMQContext()
    let options = liveOptions(
      config: config, endpoint: endpoint,
      seconds: Double(passCount) * Double(sender.passNanoseconds) / 1e9)
    let run = LiveRunThread(options: options, context: context, log: log)
    let subscriber: LatencySubscriber
    do {
      subscriber = try LatencySubscriber(
        context: context, endpoint: endpoint, clock: options.hostClock)
    } catch {
      options.stop.request()
      _ = try? run.join()
      throw error
    }
    let sent: LatencySender.Sent
    do {
      let ports = try waitUntilLive(run, subscriber: subscriber)
      sent = try sender.play(
        passes: passCount, ports: ports, clock: options.hostClock, progress: progress)
    } catch {
      options.stop.request()
      _ = try? subscriber.finish()
      // A run that failed (its endpoint taken, say) is the cause, not the sender's refused send.
      if case .failure(let failure) = Swift.Result(catching: { try run.join() }) {
        throw Failure(description: "the live run failed: \(failure)")
      }
      throw error
    }
    // The run ends itself a second after the last packet (its idle rule), publishing its
    // end-of-stream stats, which end the subscriber's read.
    let summary = try run.join()
    let outcome = try subscriber.finish()
    return LatencyMatch.result(sent: sent, outcome: outcome, summary: summary)
  }

  /// A live run as `sightline run` makes it, on loopback ports of its own, waiting for its
  /// subscriber, ending a second after the stream stops.
  private static func liveOptions(config: SightlineConfig, endpoint: String, seconds: Double)
    -> LiveOptions
  {
    var config = config
    config.publish.endpoint = endpoint
    var options = LiveOptions(config: config)
    options.bindAddress = "127.0.0.1"
    options.dataPort = 0
    options.positionPort = 0
    options.waitForSubscribers = 1
    options.idleExitSeconds = 1
    // A safety net only: the idle rule ends the run.
    options.durationSeconds = seconds + 60
    return options
  }

  /// Waits until the run listens and its first frame (one without LiDAR, published because no
  /// sweep came yet) has reached the subscriber: from then on the run is receiving and
  /// publishing, and the first packets sent are not kept waiting by the run's start.
  private static func waitUntilLive(_ run: LiveRunThread, subscriber: LatencySubscriber) throws
    -> (data: UInt16, second: UInt16?)
  {
    let deadline = MonotonicClock.nanoseconds() + 20_000_000_000
    while MonotonicClock.nanoseconds() < deadline {
      if let failure = run.failure {
        throw Failure(description: "the live run failed: \(failure)")
      }
      if subscriber.framesReceived > 0, let ports = run.listening { return ports }
      MonotonicClock.sleep(nanoseconds: 10_000_000)
    }
    throw Failure(description: "the live run published no first frame within 20 s")
  }
}
