import Foundation
import SightlineBenchmarks
import SightlinePipeline
import Testing

/// `bench latency` on the bundled VLP-16 capture, briefly, in whatever build the tests run:
/// the structure of the result and the report, never its timings (those go to
/// Tools/bench/RESULTS.md, not into pass/fail).
@Suite(.serialized) struct LatencyBenchmarkTests {
  @Test func everyFrameIsMatchedOrCountedLost() throws {
    var config = SightlineConfig()
    // A small grid, so that a debug build keeps up with most sweeps.
    config.grid.columns = 200
    config.grid.rows = 200
    let result = try LatencyBenchmark.run(
      capture: bundledCapture, config: config, passes: 3, seconds: 0, endpoint: uniqueEndpoint())
    #expect(result.passes == 3)
    #expect(result.packetsSent > 0 && result.packetsSent % 3 == 0)
    #expect(result.summary.datagramsReceived == result.packetsSent)
    #expect(result.framesMatched > 0)
    for latency in result.latencies {
      let milliseconds = Double(latency) / 1e6
      #expect(milliseconds > 0 && milliseconds.isFinite)
    }
    #expect(result.closedByPause.map { $0.latency > 0 } ?? true)
    // Every frame with LiDAR that arrived is matched or counted unmatched; every frame there
    // should have been is matched or lost.
    #expect(result.framesReceived == result.framesMatched + result.unmatched)
    #expect(
      result.frames == result.framesMatched + result.unmatched + result.notReceived
        + result.sweepsDropped)

    let lines = BenchmarkReport.latency(result, capture: bundledCapture)
    let counts = try #require(lines.first { $0.hasPrefix("frames=") })
    let frames = try #require(Self.value("frames", in: counts))
    let matched = try #require(Self.value("frames_matched", in: counts))
    let lost = try #require(Self.value("frames_lost", in: counts))
    #expect(frames == matched + lost && matched == result.framesMatched)
    let last = try #require(lines.last)
    #expect(last.wholeMatch(of: /e2e_ms_p50=\d+\.\d{3} e2e_ms_p99=\d+\.\d{3}/) != nil, "\(last)")
  }

  @Test func aCaptureWithoutVelodynePacketsIsAClearError() throws {
    let path = temporaryPath("empty.pcap")
    var capture = try PcapBytes(path: bundledCapture)
    capture.records = []
    try capture.write(to: path)
    #expect {
      _ = try LatencyBenchmark.run(
        capture: path, config: SightlineConfig(), passes: 1, seconds: 0,
        endpoint: uniqueEndpoint())
    } throws: { "\($0)".contains("Velodyne data packet") }
  }

  /// The integer after `name=` in a report line.
  static func value(_ name: String, in line: String) -> Int? {
    line.split(separator: " ").first { $0.hasPrefix(name + "=") }
      .flatMap { Int($0.dropFirst(name.count + 1)) }
  }
}
