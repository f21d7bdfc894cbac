import Foundation
import SightlinePipeline
import SightlinePublish

/// The result lines of `sightline bench`, one function per benchmark; each ends with the line
/// scripts compare across runs.
public enum BenchmarkReport {
  /// `bench decode`: passes, points and packets per pass (and allocations), then
  /// points_per_s=<median>.
  public static func decode(_ result: DecodeBenchmark.Result) -> [String] {
    [
      "passes=\(result.pointsPerSecond.count) points_per_pass=\(result.pointsPerPass)"
        + " packets_per_pass=\(result.packetsPerPass)"
        + (result.allocations.map { " allocations_in_timed_loops=\($0)" } ?? "")
        + (result.steadyStateAllocations.map { " allocations_steady_state=\($0)" } ?? ""),
      "points_per_s=\(Int(result.median))",
    ]
  }

  /// `bench v2x`: payloads and BSMs decoded per pass (and allocations), then
  /// bsm_per_s=<median>.
  public static func v2x(_ result: V2XBenchmark.Result) -> [String] {
    [
      "payloads=\(result.messagesPerPass) bsm_decoded_per_pass=\(result.decodedPerPass)"
        + (result.allocations.map { " allocations_in_timed_loops=\($0)" } ?? ""),
      "bsm_per_s=\(Int(result.median))",
    ]
  }

  /// `bench frame`: what was measured under `config` (grid, compression), the per-stage
  /// medians, then ms_per_frame_p50=<x> ms_per_frame_p99=<y>.
  public static func frame(_ result: FrameBenchmark.Result, config: SightlineConfig) -> [String] {
    let p50 = milliseconds(FrameBenchmark.percentile(result.frameNanoseconds, 0.5))
    let p99 = milliseconds(FrameBenchmark.percentile(result.frameNanoseconds, 0.99))
    let stages = ["decode", "scroll_decay_v2x", "lidar", "output_publish"]
    return [
      "frames=\(result.timedFrames) points_per_frame_max=\(result.pointsPerFrame)"
        + " grid=\(config.grid.columns)x\(config.grid.rows)@\(config.grid.resolutionMeters)m"
        + " degraded_frames=\(result.degradedFrames)"
        + " grid_message_bytes_mean=\(result.messageBytes.reduce(0, +) / max(1, result.messageBytes.count))"
        + " compression=\(config.publish.compression.rawValue)"
        + (result.gridStageAllocations.map { " allocations_grid_stage=\($0)" } ?? "")
        + (result.wholePathAllocations.map { " allocations_whole_path=\($0)" } ?? ""),
      "stage medians (ms): "
        + zip(stages, result.stageNanoseconds).map { name, values in
          "\(name)=\(Report.fixed(milliseconds(FrameBenchmark.percentile(values, 0.5)), 3))"
        }.joined(separator: " "),
      "ms_per_frame_p50=\(Report.fixed(p50, 3)) ms_per_frame_p99=\(Report.fixed(p99, 3))",
    ]
  }

  /// `bench budget`: frames run under `budgetMilliseconds`, how many went over and by how
  /// much, then the distribution of frame end minus budget (negative: early) and the frames
  /// that lacked an agent.
  public static func budget(_ result: FrameBenchmark.BudgetResult, budgetMilliseconds: Double)
    -> [String]
  {
    let overruns = result.overrunNanoseconds
    func ms(_ fraction: Double) -> String {
      Report.fixed(milliseconds(FrameBenchmark.percentile(overruns, fraction)), 3)
    }
    let over = overruns.filter { $0 > 0 }
    let max = Report.fixed(milliseconds(overruns.max() ?? 0), 3)
    return [
      "frames=\(overruns.count) budget_ms=\(budgetMilliseconds)"
        + " degraded_frames=\(result.degradedFrames) points_skipped=\(result.pointsSkipped)"
        + " agents=\(result.agents) agents_skipped_for_budget=\(result.agentsSkippedForBudget)",
      "frames_over_budget=\(over.count)"
        + " over_by_ms_max=\(Report.fixed(milliseconds(over.max() ?? 0), 3))",
      "overrun_ms_p50=\(ms(0.5)) overrun_ms_p99=\(ms(0.99)) overrun_ms_p999=\(ms(0.999))"
        + " overrun_ms_max=\(max) frames_missing_agents=\(result.framesMissingAgents)",
    ]
  }

  /// `bench subscribers`: one line per case (frame time percentiles over all rounds, frames
  /// published, what the subscriber got), then reading_over_none_p50=<ratio>
  /// stalled_over_none_p50=<ratio>.
  public static func subscribers(
    _ outcomes: [SubscriberBenchmark.Peer: [SubscriberBenchmark.Outcome]]
  ) -> [String] {
    var lines: [String] = []
    var p50: [SubscriberBenchmark.Peer: Double] = [:]
    for peer in SubscriberBenchmark.Peer.allCases {
      let runs = outcomes[peer] ?? []
      let times = runs.flatMap(\.frameNanoseconds)
      let median = milliseconds(FrameBenchmark.percentile(times, 0.5))
      let p99 = milliseconds(FrameBenchmark.percentile(times, 0.99))
      p50[peer] = median
      let received = runs.compactMap(\.received)
      let lost = runs.compactMap(\.lost)
      lines.append(
        "subscriber=\(peer.rawValue) frames=\(times.count)"
          + " ms_per_frame_p50=\(Report.fixed(median, 3)) ms_per_frame_p99=\(Report.fixed(p99, 3))"
          + " published=\(runs.map(\.published).reduce(0, +))"
          + (received.isEmpty ? "" : " subscriber_received=\(received.reduce(0, +))")
          + (lost.isEmpty ? "" : " subscriber_counted_lost=\(lost.reduce(0, +))"))
    }
    let none = p50[.none] ?? 1
    lines.append(
      "reading_over_none_p50=\(Report.fixed((p50[.reading] ?? 0) / none, 3))"
        + " stalled_over_none_p50=\(Report.fixed((p50[.stalled] ?? 0) / none, 3))")
    return lines
  }

  /// `bench grid`: what was measured (`rays` as given on the command line, `size`,
  /// `resolution`), then ms_per_scan=<median>.
  public static func grid(
    _ result: GridBenchmark.Result, scans: GridBenchmark.Scans, rays: String, size: Int,
    resolution: Float
  ) -> [String] {
    [
      "scans=\(scans.count) points_per_scan=\(scans.pointsPerScan) rays=\(rays) size=\(size) resolution=\(resolution) cells_updated_per_scan=\(result.cellsTouched / max(1, scans.count))",
      "ms_per_scan=\(Report.fixed(result.median, 3))",
    ]
  }

  /// Nanoseconds as milliseconds.
  static func milliseconds(_ nanoseconds: Int64) -> Double { Double(nanoseconds) / 1e6 }
}
