import SightlineFoxglove
import SightlinePublish

extension BenchmarkReport {
  /// `bench foxglove`: one line per case over all rounds (frame time percentiles, and each
  /// round's median; messages the server queued for the client, that it decoded, that were
  /// dropped for it; the most the server held for it; the largest resident growth over a
  /// round's timed passes, and each round's resident peak), the bound on what the server may
  /// hold for one client, then the p50 ratios, last stalled_over_reading_p50=<ratio>.
  public static func foxglove(
    _ outcomes: [SubscriberBenchmark.Peer: [FoxgloveBenchmark.Outcome]]
  ) -> [String] {
    var lines: [String] = []
    var p50: [SubscriberBenchmark.Peer: Double] = [:]
    for peer in SubscriberBenchmark.Peer.allCases {
      let runs = outcomes[peer] ?? []
      let times = runs.flatMap(\.frameNanoseconds)
      p50[peer] = milliseconds(FrameBenchmark.percentile(times, 0.5))
      lines.append(foxgloveCase(peer, runs: runs, times: times))
    }
    let all = outcomes.values.joined()
    let largest = all.map(\.backlog.largestMessageBytes).max() ?? 0
    let limit = all.map(\.queueLimit).max() ?? 0
    let watermark = FoxgloveServer.writeBufferHighWatermark
    lines.append(
      "backlog_bound_per_client: queue_limit=\(limit) largest_message_bytes=\(largest)"
        + " high_watermark_mib=\(mib(watermark))"
        + " bound_mib=\(mib((limit + 2) * largest + watermark)) (queue + 2 messages + watermark)"
    )
    let none = p50[.none] ?? 1
    let reading = p50[.reading] ?? 1
    let stalled = p50[.stalled] ?? 0
    lines.append(
      "reading_over_none_p50=\(Report.fixed(reading / none, 3))"
        + " stalled_over_none_p50=\(Report.fixed(stalled / none, 3))"
        + " stalled_over_reading_p50=\(Report.fixed(stalled / reading, 3))")
    return lines
  }

  private static func foxgloveCase(
    _ peer: SubscriberBenchmark.Peer, runs: [FoxgloveBenchmark.Outcome], times: [Int64]
  ) -> String {
    let p50 = milliseconds(FrameBenchmark.percentile(times, 0.5))
    let p99 = milliseconds(FrameBenchmark.percentile(times, 0.99))
    let received = runs.compactMap(\.received)
    let undecodable = runs.compactMap(\.undecodable)
    let growth = runs.compactMap { run in run.residentPeak.map { $0 - (run.residentStart ?? $0) } }
    let peaks = runs.compactMap(\.residentPeak).map(mib).joined(separator: "/")
    let roundP50s = runs.map {
      Report.fixed(milliseconds(FrameBenchmark.percentile($0.frameNanoseconds, 0.5)), 2)
    }
    return "client=\(peer.rawValue) frames=\(times.count)"
      + " ms_per_frame_p50=\(Report.fixed(p50, 3)) ms_per_frame_p99=\(Report.fixed(p99, 3))"
      + " p50_per_round_ms=\(roundP50s.joined(separator: "/"))"
      + " frames_published=\(runs.map(\.framesPublished).reduce(0, +))"
      + " offered=\(runs.map(\.offered).reduce(0, +))"
      + (received.isEmpty ? "" : " received=\(received.reduce(0, +))")
      + (undecodable.isEmpty ? "" : " undecodable=\(undecodable.reduce(0, +))")
      + " dropped=\(runs.map(\.dropped).reduce(0, +))"
      + " backlog_peak_messages=\(runs.map(\.backlog.peakQueuedMessages).max() ?? 0)"
      + " backlog_peak_mib=\(mib(runs.map(\.backlog.peakBytes).max() ?? 0))"
      + (growth.isEmpty ? "" : " rss_growth_max_mib=\(mib(growth.max() ?? 0))")
      + (peaks.isEmpty ? "" : " rss_peak_mib=\(peaks)")
  }

  private static func mib(_ bytes: Int) -> String { Report.fixed(Double(bytes) / 1_048_576, 2) }
}
