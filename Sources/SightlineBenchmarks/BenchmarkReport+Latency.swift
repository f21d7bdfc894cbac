import SightlinePublish

extension BenchmarkReport {
  /// `bench latency`: what was sent and what the run received, every frame accounted for
  /// (matched + lost, the lost by why), the frame the run's pause rule closed at the stream's
  /// end on its own, the medians of the latency's parts, the quantiles, then
  /// e2e_ms_p50=<x> e2e_ms_p99=<y>.
  public static func latency(_ result: LatencyBenchmark.Result, capture: String) -> [String] {
    let summary = result.summary
    let latencies = result.latencies
    let frames = result.matched
    func ms(_ values: [Int64], _ fraction: Double) -> String {
      Report.fixed(milliseconds(FrameBenchmark.percentile(values, fraction)), 3)
    }
    return [
      "capture=\(capture) passes=\(result.passes) send_s=\(Report.fixed(result.sendSeconds, 2))"
        + " packets_sent=\(result.packetsSent) position_packets_sent=\(result.positionPacketsSent)"
        + " datagrams_received=\(summary.datagramsReceived)"
        + " decoded=\(summary.decodedPackets) packets_lost=\(summary.packetsLost)"
        + " kernel_drops=\(summary.kernelDrops.map(String.init) ?? "n/a")",
      "frames=\(result.frames) frames_matched=\(result.framesMatched)"
        + " frames_lost=\(result.framesLost) (not_received=\(result.notReceived)"
        + " sweeps_dropped_by_run=\(result.sweepsDropped) unmatched=\(result.unmatched))"
        + " frames_without_lidar=\(result.framesWithoutLidar)"
        + " frames_degraded=\(frames.filter(\.degraded).count)"
        + " malformed_messages=\(result.malformedMessages)",
      "closed_by_pause_frame_ms="
        + (result.closedByPause.map { Report.fixed(milliseconds($0.latency), 3) } ?? "none")
        + " (the last packet's sweep when partial: closed by the run's 50 ms pause rule as"
        + " nothing follows; matched, not in the quantiles)",
      "part medians (ms): to_frame_start=\(ms(frames.map(\.toFrameStart), 0.5))"
        + " grid=\(ms(frames.map(\.grid), 0.5)) output=\(ms(frames.map(\.output), 0.5))"
        + " publish_to_arrival=\(ms(frames.map(\.transport), 0.5))",
      "e2e_ms frames=\(latencies.count) p50=\(ms(latencies, 0.5)) p90=\(ms(latencies, 0.9))"
        + " p99=\(ms(latencies, 0.99)) max=\(Report.fixed(milliseconds(latencies.max() ?? 0), 3))",
      "e2e_ms_p50=\(ms(latencies, 0.5)) e2e_ms_p99=\(ms(latencies, 0.99))",
    ]
  }

  /// `bench latency --csv`: one row per matched frame, in arrival order (the frame closed by
  /// the pause rule last, marked), times in milliseconds.
  public static func latencyCSV(_ result: LatencyBenchmark.Result) -> String {
    var text =
      "sequence,pass,packet_in_pass,partial_sweep,degraded,closed_by_pause,e2e_ms,"
      + "to_frame_start_ms,grid_ms,output_ms,publish_to_arrival_ms\n"
    let rows =
      result.matched.map { ($0, false) } + (result.closedByPause.map { [($0, true)] } ?? [])
    for (frame, closedByPause) in rows {
      let flags = [frame.partialSweep, frame.degraded, closedByPause].map { $0 ? "1" : "0" }
      let times = [frame.latency, frame.toFrameStart, frame.grid, frame.output, frame.transport]
      text +=
        "\(frame.sequence),\(frame.pass),\(frame.packetInPass),"
        + flags.joined(separator: ",") + ","
        + times.map { Report.fixed(milliseconds($0), 3) }.joined(separator: ",") + "\n"
    }
    return text
  }
}
