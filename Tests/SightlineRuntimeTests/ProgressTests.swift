import Foundation
import SightlinePipeline
import SightlineZMQ
import Testing

@testable import SightlineReplay
@testable import SightlineTools

/// The progress the long commands draw their bars from: throttled, never back, 1 at the end.
@Suite struct ProgressTests {
  /// Collects what a progress callback hears.
  final class Heard {
    var values: [Double] = []
    var callback: (Double) -> Void { { self.values.append($0) } }
  }

  @Test func theThrottleClampsAndNeverGoesBack() {
    let heard = Heard()
    var throttle = ProgressThrottle(heard.callback, intervalNanoseconds: 0)
    for fraction in [-0.5, 0.25, 0.1, 0.75, 3] { throttle.update(fraction) }
    throttle.finish()
    #expect(heard.values == [0, 0.25, 0.25, 0.75, 1, 1])
  }

  @Test func theThrottleReportsAtMostOncePerInterval() {
    let heard = Heard()
    var throttle = ProgressThrottle(heard.callback, intervalNanoseconds: 60_000_000_000)
    for step in 1...1000 { throttle.update(Double(step) / 1000) }
    throttle.finish()
    #expect(heard.values == [0.001, 1])
  }

  @Test func decodeReportsItsWayThroughTheCaptureToOne() throws {
    let heard = Heard()
    let out = FileManager.default.temporaryDirectory
      .appendingPathComponent("progress-\(UUID().uuidString).csv").path
    defer { try? FileManager.default.removeItem(atPath: out) }
    _ = try DecodeToCSV.run(
      capture: bundledCapture, config: SightlineConfig(), output: out, progress: heard.callback)
    #expect(heard.values.count >= 2)
    #expect(heard.values.first.map { $0 < 0.5 } == true)
    #expect(heard.values.last == 1)
    #expect(
      heard.values == heard.values.sorted() && heard.values.allSatisfy { (0...1).contains($0) })
  }

  /// A replay's progress follows the capture's record times: on the GPS drive the sensor clock
  /// (resolved from GPRMC) is far from the capture's, and the bar must still cross the middle.
  @Test func aReplayReportsTheCaptureTimeReadToOne() throws {
    let drive = try Drive.load(
      folder: repositoryRoot.appendingPathComponent("Replay/vlp16-strongest-gps").path)
    let heard = Heard()
    var options = drive.replayOptions()
    options.config.publish.endpoint = "inproc://sightline-progress"
    var replay = Replay(options: options, progress: heard.callback)
    replay.progressIntervalNanoseconds = 0
    _ = try replay.run(context: try ZMQContext())
    let values = heard.values
    // A report per record (293 LiDAR, 57 position), and the finish.
    #expect(values.count == 351)
    #expect(values.first == 0 && values.last == 1 && values == values.sorted())
    let median = values[values.count / 2]
    #expect(median > 0.3 && median < 0.7, "median \(median)")
  }

  /// Eval's two replays share one bar: the fused one fills the first half, LiDAR-only the rest.
  @Test func evalsReplaysEachFillHalfTheBar() {
    let heard = Heard()
    Eval.half(0, of: heard.callback)?(1)
    Eval.half(1, of: heard.callback)?(0.5)
    Eval.half(1, of: heard.callback)?(1)
    #expect(heard.values == [0.5, 0.75, 1])
    #expect(Eval.half(0, of: nil) == nil)
  }
}
