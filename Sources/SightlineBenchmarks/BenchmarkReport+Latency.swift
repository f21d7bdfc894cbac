import SightlinePublish

extension BenchmarkReport {
  /// `bench latency`: what was sent and what the run received, every frame accounted for
  /// (matched + lost, the lost by why), the frame closed by the end of the stream on its own,
  /// the medians of the latency's parts, the quantiles, then e2e_ms_p50=<x> e2e_ms_p99=<y>.
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
        + " malformed_messages=\(result.malformedMessages)",
      "end_of_stream_frame_ms="
        + (result.endOfStream.map { Report.fixed(milliseconds($0.latency), 3) } ?? "none")
        + " (the last packet's partial sweep waits for the run's 50 ms pause rule;"
        + " matched, not in the quantiles)",
      "part medians (ms): to_frame_start=\(ms(frames.map(\.toFrameStart), 0.5))"
        + " grid=\(ms(frames.map(\.grid), 0.5)) output=\(ms(frames.map(\.output), 0.5))"
        + " publish_to_arrival=\(ms(frames.map(\.transport), 0.5))",
      "e2e_ms frames=\(latencies.count) p50=\(ms(latencies, 0.5)) p90=\(ms(latencies, 0.9))"
        + " p99=\(ms(latencies, 0.99)) max=\(Report.fixed(milliseconds(latencies.max() ?? 0), 3))",
      "e2e_ms_p50=\(ms(latencies, 0.5)) e2e_ms_p99=\(ms(latencies, 0.99))",
    ]
  }

  /// `bench latency --csv`: one row per matched frame (the end-of-stream frame last, marked),
  /// milliseconds.
  public static func latencyCSV(_ result: LatencyBenchmark.Result) -> String {
    var text =
      "sequence,pass,packet_in_pass,partial_sweep,end_of_stream,e2e_ms,to_frame_start_ms,"
      + "grid_ms,output_ms,publish_to_arrival_ms\n"
    for (frame, last) in result.matched.map({ ($0, false) })
      + (result.endOfStream.map { [($0, true)] } ?? [])
    {
      let times = [frame.latency, frame.toFrameStart, frame.grid, frame.output, frame.transport]
      text +=
        "\(frame.sequence),\(frame.pass),\(frame.packetInPass),\(frame.partialSweep ? 1 : 0),"
        + "\(last ? 1 : 0),"
        + times.map { Report.fixed(milliseconds($0), 3) }.joined(separator: ",") + "\n"
    }
    return text
  }
}
