// RuntimeMetrics: the exposition parses as Prometheus text, the histogram is cumulative and
// counts every frame, quantiles follow the HdrHistogram, running totals become counters, and
// recording a frame allocates nothing.

import Glibc
import SightlineOps
import Testing

@Suite struct RuntimeMetricsTests {
  private static let durations = [0.0005, 0.003, 0.015, 0.045, 0.2]

  private func recordedMetrics() -> RuntimeMetrics {
    let metrics = RuntimeMetrics(
      configuration: .init(dropReasons: ["v2x.signature"], authSockets: ["control"]))
    for (index, duration) in Self.durations.enumerated() {
      metrics.record(
        frame: FrameSample(
          durationSeconds: duration, overranBudget: duration > 0.1 || index == 3,
          degraded: index == 4, v2xAgents: 7, quarantinedSenders: 2,
          lidarPacketsTotal: UInt64(20 * (index + 1)), lidarPacketsLostTotal: 3,
          v2xMessagesTotal: 40, lidarClockOffsetSeconds: -0.0021,
          v2xClockOffsetSeconds: index == 4 ? nil : 0.5))
    }
    metrics.setDrops(reason: "v2x.stale", total: 4)
    metrics.setDrops(reason: "lidar.garbage", total: 2)
    metrics.setAuthDenied(socket: "v2x", total: 1)
    return metrics
  }

  @Test func theExpositionParsesAsPrometheusText() throws {
    let exposition = try Exposition(recordedMetrics().exposition())
    let expectedTypes = [
      "sightline_frames_total": "counter",
      "sightline_frame_budget_overruns_total": "counter",
      "sightline_frames_degraded_total": "counter",
      "sightline_frame_seconds": "histogram",
      "sightline_frame_time_quantile_seconds": "gauge",
      "sightline_drops_total": "counter",
      "sightline_lidar_packets_total": "counter",
      "sightline_lidar_packets_lost_total": "counter",
      "sightline_v2x_messages_total": "counter",
      "sightline_v2x_agents": "gauge",
      "sightline_v2x_quarantined_senders": "gauge",
      "sightline_clock_offset_seconds": "gauge",
      "sightline_auth_denied_total": "counter",
      "sightline_log_messages_suppressed_total": "counter",
    ]
    #expect(exposition.types == expectedTypes)

    #expect(try exposition.value("sightline_frames_total") == 5)
    #expect(try exposition.value("sightline_frame_budget_overruns_total") == 2)
    #expect(try exposition.value("sightline_frames_degraded_total") == 1)
    #expect(try exposition.value("sightline_v2x_agents") == 7)
    #expect(try exposition.value("sightline_v2x_quarantined_senders") == 2)
    #expect(try exposition.value("sightline_lidar_packets_total") == 100)
    #expect(try exposition.value("sightline_lidar_packets_lost_total") == 3)
    #expect(try exposition.value("sightline_v2x_messages_total") == 40)
    #expect(try exposition.value("sightline_clock_offset_seconds", ["clock": "lidar"]) == -0.0021)
    // The last frame had no V2X offset: the gauge keeps the one before.
    #expect(try exposition.value("sightline_clock_offset_seconds", ["clock": "v2x"]) == 0.5)
    #expect(try exposition.value("sightline_drops_total", ["reason": "v2x.stale"]) == 4)
    #expect(try exposition.value("sightline_drops_total", ["reason": "lidar.garbage"]) == 2)
    #expect(try exposition.value("sightline_drops_total", ["reason": "v2x.signature"]) == 0)
    #expect(try exposition.value("sightline_auth_denied_total", ["socket": "v2x"]) == 1)
    #expect(try exposition.value("sightline_auth_denied_total", ["socket": "control"]) == 0)
  }

  @Test func theFrameHistogramIsCumulativeAndCountsEveryFrame() throws {
    let exposition = try Exposition(recordedMetrics().exposition())
    let buckets = exposition.samples.filter { $0.name == "sightline_frame_seconds_bucket" }
    let bounds = try buckets.map { sample in
      try #require(sample.labels["le"].flatMap { Exposition.parseValue($0[...]) })
    }
    // One bucket per configured bound, plus +Inf, in order.
    #expect(bounds == RuntimeMetrics.defaultFrameSecondsBuckets + [.infinity])
    let counts = buckets.map(\.value)
    #expect(counts == counts.sorted(), "buckets must be cumulative: \(counts)")
    let expected = bounds.map { bound in Double(Self.durations.filter { $0 <= bound }.count) }
    #expect(counts == expected)
    #expect(counts.last == 5)
    #expect(try exposition.value("sightline_frame_seconds_count") == 5)
    let sum = try exposition.value("sightline_frame_seconds_sum")
    #expect(abs(sum - Self.durations.reduce(0, +)) < 1e-9)
  }

  @Test func quantilesFollowTheHdrHistogram() throws {
    let metrics = RuntimeMetrics()
    #expect(metrics.frameTimeQuantiles() == FrameTimeQuantiles())
    for milliseconds in 1...1000 {
      metrics.record(frame: FrameSample(durationSeconds: Double(milliseconds) / 1000))
    }
    let quantiles = metrics.frameTimeQuantiles()
    #expect(quantiles.count == 1000)
    // Three significant digits: within 0.1% of the exact order statistic.
    for (value, exact) in [
      (quantiles.p50, 0.5), (quantiles.p90, 0.9), (quantiles.p99, 0.99), (quantiles.p999, 0.999),
    ] {
      #expect(abs(value - exact) <= exact * 0.001, "\(value) vs \(exact)")
    }
    #expect(quantiles.max == 1.0)

    let exposition = try Exposition(metrics.exposition())
    let gauges = try RuntimeMetrics.quantileLabels.map {
      try exposition.value("sightline_frame_time_quantile_seconds", ["quantile": $0])
    }
    #expect(gauges == [quantiles.p50, quantiles.p90, quantiles.p99, quantiles.p999, quantiles.max])

    // Past the 10 s range: clamped, not lost; negative and NaN do not break anything.
    metrics.record(frame: FrameSample(durationSeconds: 20))
    metrics.record(frame: FrameSample(durationSeconds: -1))
    metrics.record(frame: FrameSample(durationSeconds: .nan))
    #expect(metrics.frameTimeQuantiles().max == 10)
    #expect(metrics.frameTimeQuantiles().count == 1002)
    #expect(try Exposition(metrics.exposition()).value("sightline_frames_total") == 1003)

    metrics.resetFrameTimeQuantiles()
    #expect(metrics.frameTimeQuantiles().count == 0)
  }

  @Test func runningTotalsAdvanceTheCounters() throws {
    let metrics = RuntimeMetrics(configuration: .init(maxLabelValues: 2))
    func drops(_ reason: String) throws -> Double? {
      try Exposition(metrics.exposition()).values("sightline_drops_total", ["reason": reason]).first
    }
    metrics.setDrops(reason: "v2x.stale", total: 5)
    #expect(try drops("v2x.stale") == 5)
    metrics.setDrops(reason: "v2x.stale", total: 5)
    #expect(try drops("v2x.stale") == 5)
    metrics.setDrops(reason: "v2x.stale", total: 9)
    #expect(try drops("v2x.stale") == 9)
    // A smaller total means the source restarted: the counter restarts with it.
    metrics.setDrops(reason: "v2x.stale", total: 2)
    #expect(try drops("v2x.stale") == 2)

    // At most two reasons: a third is ignored rather than adding series without bound.
    metrics.setDrops(reason: "lidar.garbage", total: 1)
    metrics.setDrops(reason: "made.up", total: 1)
    #expect(try drops("lidar.garbage") == 1)
    #expect(try drops("made.up") == nil)

    metrics.record(frame: FrameSample(durationSeconds: 0.01, lidarPacketsTotal: 50))
    metrics.record(frame: FrameSample(durationSeconds: 0.01, lidarPacketsTotal: 70))
    #expect(try Exposition(metrics.exposition()).value("sightline_lidar_packets_total") == 70)
    metrics.setLogMessagesSuppressed(total: 12)
    #expect(
      try Exposition(metrics.exposition()).value("sightline_log_messages_suppressed_total") == 12)
  }

  @Test func instancesAreIsolated() throws {
    let first = RuntimeMetrics()
    let second = RuntimeMetrics()
    first.record(frame: FrameSample(durationSeconds: 0.01))
    #expect(try Exposition(first.exposition()).value("sightline_frames_total") == 1)
    #expect(try Exposition(second.exposition()).value("sightline_frames_total") == 0)
  }

  /// This thread's heap allocations when Tools/bench/malloc_count.c is preloaded (LD_PRELOAD).
  private static let allocationCount: (@convention(c) () -> UInt)? = {
    guard
      let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sightline_thread_malloc_count")
    else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) () -> UInt).self)
  }()

  @Test(.enabled(if: allocationCount != nil, "needs Tools/bench/malloc_count.c preloaded"))
  func recordingAFrameDoesNotAllocate() throws {
    let count = try #require(Self.allocationCount)
    let metrics = RuntimeMetrics()
    let reasons = ["v2x.stale", "lidar.garbage", "v2x.signature"]
    var sample = FrameSample(
      durationSeconds: 0.012, v2xAgents: 3, lidarClockOffsetSeconds: 0.001,
      v2xClockOffsetSeconds: -0.2)
    for reason in reasons { metrics.setDrops(reason: reason, total: 0) }  // makes the handles
    // The calling thread's allocations only (other tests run in parallel); the quietest of a
    // few rounds, as the test runner itself may allocate on this thread between them.
    var fewest = UInt.max
    var total: UInt64 = 0
    for _ in 0..<10 {
      let before = count()
      for frame in 0..<1000 {
        total += 1
        sample.durationSeconds = Double(frame % 90) / 1000
        sample.overranBudget = frame % 7 == 0
        sample.degraded = frame % 11 == 0
        sample.lidarPacketsTotal = total * 30
        sample.lidarPacketsLostTotal = total / 100
        sample.v2xMessagesTotal = total * 2
        metrics.record(frame: sample)
        metrics.setDrops(reason: reasons[frame % 3], total: total)
      }
      fewest = min(fewest, count() - before)
    }
    #expect(fewest == 0)
    #expect(metrics.frameTimeQuantiles().count == 10_000)
  }
}
