// SightlineOps: the runtime's metrics. Every handle is made once, through swift-metrics on a
// Prometheus registry of this instance's own (nothing global is bootstrapped), so the frame
// loop's one call per frame only bumps atomics and locked counts: no allocation, no formatting.

import Metrics
import Synchronization

import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory

/// The numbers of one frame, as the runtime has them: durations in seconds, and the ingest
/// counters as running totals (the metrics turn them into counter increments).
public struct FrameSample: Sendable, Equatable {
  /// Wall time the frame took, in seconds.
  public var durationSeconds: Double
  /// The frame took longer than its budget.
  public var overranBudget: Bool
  /// The frame skipped work to keep up.
  public var degraded: Bool
  /// V2X agents tracked after the frame.
  public var v2xAgents: Int
  /// V2X senders currently quarantined.
  public var quarantinedSenders: Int
  /// LiDAR packets decoded since start (running total).
  public var lidarPacketsTotal: UInt64
  /// LiDAR packets missing from the sequence since start (running total).
  public var lidarPacketsLostTotal: UInt64
  /// V2X messages received since start (running total).
  public var v2xMessagesTotal: UInt64
  /// Sensor clock minus host clock, in seconds; nil while not estimated (the gauge keeps its
  /// last value).
  public var lidarClockOffsetSeconds: Double?
  /// V2X sender clock minus host clock, in seconds; nil while not estimated.
  public var v2xClockOffsetSeconds: Double?

  public init(
    durationSeconds: Double, overranBudget: Bool = false, degraded: Bool = false,
    v2xAgents: Int = 0, quarantinedSenders: Int = 0, lidarPacketsTotal: UInt64 = 0,
    lidarPacketsLostTotal: UInt64 = 0, v2xMessagesTotal: UInt64 = 0,
    lidarClockOffsetSeconds: Double? = nil, v2xClockOffsetSeconds: Double? = nil
  ) {
    self.durationSeconds = durationSeconds
    self.overranBudget = overranBudget
    self.degraded = degraded
    self.v2xAgents = v2xAgents
    self.quarantinedSenders = quarantinedSenders
    self.lidarPacketsTotal = lidarPacketsTotal
    self.lidarPacketsLostTotal = lidarPacketsLostTotal
    self.v2xMessagesTotal = v2xMessagesTotal
    self.lidarClockOffsetSeconds = lidarClockOffsetSeconds
    self.v2xClockOffsetSeconds = v2xClockOffsetSeconds
  }
}

/// The `sightline_*` metrics on an isolated `PrometheusCollectorRegistry`.
///
/// Thread-safe: the frame thread calls ``record(frame:)``, the ingest and V2X threads may call
/// ``setDrops(reason:total:)``, and the scrape thread calls ``emit(into:)``.
public final class RuntimeMetrics: Sendable {
  public struct Configuration: Sendable {
    /// Upper bounds of `sightline_frame_seconds`' buckets (+Inf is added).
    public var frameSecondsBuckets: [Double]
    /// Drop reasons and auth sockets to export at 0 from the start, so rates work at once.
    public var dropReasons: [String]
    public var authSockets: [String]
    /// Most label values one labeled family takes (drop reasons, sockets); later new values are
    /// ignored, so a bug that makes reasons from data cannot blow up the series count.
    public var maxLabelValues: Int

    public init(
      frameSecondsBuckets: [Double] = RuntimeMetrics.defaultFrameSecondsBuckets,
      dropReasons: [String] = [], authSockets: [String] = [], maxLabelValues: Int = 256
    ) {
      self.frameSecondsBuckets = frameSecondsBuckets
      self.dropReasons = dropReasons
      self.authSockets = authSockets
      self.maxLabelValues = maxLabelValues
    }
  }

  /// 1 ms … 100 ms: a 10–20 Hz loop's budget is 50–100 ms.
  public static let defaultFrameSecondsBuckets: [Double] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1,
  ]

  /// The `quantile` label values of `sightline_frame_time_quantile_seconds`; "1" is the max.
  public static let quantileLabels = ["0.5", "0.9", "0.99", "0.999", "1"]

  public let registry: PrometheusCollectorRegistry

  private let frames: Counter
  private let overruns: Counter
  private let degraded: Counter
  private let frameSeconds: Recorder
  private let frameTimes = FrameTimeHistogram()
  private let quantileGauges: [Gauge]
  private let lidarPackets: TotalCounter
  private let lidarPacketsLost: TotalCounter
  private let v2xMessages: TotalCounter
  private let v2xAgents: Gauge
  private let quarantinedSenders: Gauge
  private let lidarClockOffset: Gauge
  private let v2xClockOffset: Gauge
  private let logMessagesSuppressed: TotalCounter
  private let drops: LabeledTotals
  private let authDenied: LabeledTotals

  public init(
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    configuration: Configuration = Configuration()
  ) {
    self.registry = registry
    var factory = PrometheusMetricsFactory(registry: registry)
    factory.valueHistogramBuckets["sightline_frame_seconds"] = configuration.frameSecondsBuckets

    frames = Counter(label: "sightline_frames_total", factory: factory)
    overruns = Counter(label: "sightline_frame_budget_overruns_total", factory: factory)
    degraded = Counter(label: "sightline_frames_degraded_total", factory: factory)
    frameSeconds = Recorder(label: "sightline_frame_seconds", aggregate: true, factory: factory)
    quantileGauges = Self.quantileLabels.map {
      Gauge(
        label: "sightline_frame_time_quantile_seconds", dimensions: [("quantile", $0)],
        factory: factory)
    }
    lidarPackets = TotalCounter(
      Counter(label: "sightline_lidar_packets_total", factory: factory))
    lidarPacketsLost = TotalCounter(
      Counter(label: "sightline_lidar_packets_lost_total", factory: factory))
    v2xMessages = TotalCounter(Counter(label: "sightline_v2x_messages_total", factory: factory))
    v2xAgents = Gauge(label: "sightline_v2x_agents", factory: factory)
    quarantinedSenders = Gauge(label: "sightline_v2x_quarantined_senders", factory: factory)
    lidarClockOffset = Gauge(
      label: "sightline_clock_offset_seconds", dimensions: [("clock", "lidar")], factory: factory)
    v2xClockOffset = Gauge(
      label: "sightline_clock_offset_seconds", dimensions: [("clock", "v2x")], factory: factory)
    logMessagesSuppressed = TotalCounter(
      Counter(label: "sightline_log_messages_suppressed_total", factory: factory))
    drops = LabeledTotals(
      label: "sightline_drops_total", dimension: "reason", factory: factory,
      limit: configuration.maxLabelValues)
    authDenied = LabeledTotals(
      label: "sightline_auth_denied_total", dimension: "socket", factory: factory,
      limit: configuration.maxLabelValues)
    for reason in configuration.dropReasons { drops.advance(reason, to: 0) }
    for socket in configuration.authSockets { authDenied.advance(socket, to: 0) }
  }

  /// Records one frame. Called on the frame thread; allocates nothing.
  public func record(frame: FrameSample) {
    frames.increment()
    if frame.overranBudget { overruns.increment() }
    if frame.degraded { degraded.increment() }
    if frame.durationSeconds.isFinite {
      frameSeconds.record(frame.durationSeconds)
    }
    frameTimes.record(seconds: frame.durationSeconds)
    v2xAgents.record(frame.v2xAgents)
    quarantinedSenders.record(frame.quarantinedSenders)
    lidarPackets.advance(to: frame.lidarPacketsTotal)
    lidarPacketsLost.advance(to: frame.lidarPacketsLostTotal)
    v2xMessages.advance(to: frame.v2xMessagesTotal)
    if let offset = frame.lidarClockOffsetSeconds { lidarClockOffset.record(offset) }
    if let offset = frame.v2xClockOffsetSeconds { v2xClockOffset.record(offset) }
  }

  /// Advances `sightline_drops_total{reason=…}` to the runtime's running total for `reason`.
  /// The handle is made on a reason's first call; repeats only look it up (no allocation).
  public func setDrops(reason: String, total: UInt64) {
    drops.advance(reason, to: total)
  }

  /// Advances `sightline_auth_denied_total{socket=…}` to a running total.
  public func setAuthDenied(socket: String, total: UInt64) {
    authDenied.advance(socket, to: total)
  }

  /// Advances `sightline_log_messages_suppressed_total`, e.g. to
  /// `SightlineLogging.limiter?.suppressedTotal`.
  public func setLogMessagesSuppressed(total: UInt64) {
    logMessagesSuppressed.advance(to: total)
  }

  /// The frame-time quantiles from the HdrHistogram, in seconds.
  public func frameTimeQuantiles() -> FrameTimeQuantiles {
    frameTimes.quantiles()
  }

  /// Starts the quantiles afresh (the Prometheus histogram keeps counting).
  public func resetFrameTimeQuantiles() {
    frameTimes.reset()
  }

  /// Copies the HdrHistogram's quantiles into their gauges; done before every emit.
  public func refreshQuantiles() {
    let quantiles = frameTimes.quantiles()
    let values = [quantiles.p50, quantiles.p90, quantiles.p99, quantiles.p999, quantiles.max]
    for (gauge, value) in zip(quantileGauges, values) { gauge.record(value) }
  }

  /// Appends the text exposition to `buffer` (what the endpoint serves).
  public func emit(into buffer: inout [UInt8]) {
    refreshQuantiles()
    registry.emit(into: &buffer)
  }

  /// The text exposition as a string.
  public func exposition() -> String {
    var buffer: [UInt8] = []
    emit(into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
  }
}

/// A counter fed with running totals: each call adds the difference to the last total. A
/// total below the last one means the source restarted, so the counter restarts too (which
/// Prometheus' rate() reads as a counter reset).
private final class TotalCounter: Sendable {
  let counter: Counter
  private let last = Atomic<UInt64>(0)

  init(_ counter: Counter) {
    self.counter = counter
  }

  func advance(to total: UInt64) {
    let previous = last.exchange(total, ordering: .relaxed)
    if total >= previous {
      if total > previous { counter.increment(by: Int64(clamping: total - previous)) }
    } else {
      counter.reset()
      counter.increment(by: Int64(clamping: total))
    }
  }
}

/// One labeled counter family fed with running totals, its handles cached per label value.
private final class LabeledTotals: Sendable {
  private let label: String
  private let dimension: String
  private let factory: PrometheusMetricsFactory
  private let limit: Int
  private let byValue = Mutex<[String: TotalCounter]>([:])

  init(label: String, dimension: String, factory: PrometheusMetricsFactory, limit: Int) {
    self.label = label
    self.dimension = dimension
    self.factory = factory
    self.limit = limit
  }

  func advance(_ value: String, to total: UInt64) {
    let counter = byValue.withLock { counters -> TotalCounter? in
      if let counter = counters[value] { return counter }
      guard counters.count < limit else { return nil }
      let counter = TotalCounter(
        Counter(label: label, dimensions: [(dimension, value)], factory: factory))
      counters[value] = counter
      return counter
    }
    counter?.advance(to: total)
  }
}
