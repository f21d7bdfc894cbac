import SightlinePipeline
import SightlineV2X

/// `sightline bench v2x`: BSM decodes per second on one core — locating the frame inside its
/// wrappers and decoding it — over a set of real payloads held in memory.
public enum V2XBenchmark {
  public struct Result: Sendable {
    public var messagesPerSecond: [Double]
    public var messagesPerPass: Int
    public var decodedPerPass: Int
    public var allocations: UInt?
    public var median: Double {
      let sorted = messagesPerSecond.sorted()
      return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
  }

  /// `progress` hears the fraction of passes done, between passes (ProgressThrottle).
  public static func run(
    payloads: [[UInt8]], passes: Int, progress: ((Double) -> Void)? = nil
  ) -> Result {
    // One contiguous buffer so the loop touches no array headers.
    var bytes = [UInt8]()
    var ranges = [Range<Int>]()
    for payload in payloads {
      ranges.append(bytes.count..<(bytes.count + payload.count))
      bytes.append(contentsOf: payload)
    }
    var result = Result(messagesPerSecond: [], messagesPerPass: ranges.count, decodedPerPass: 0)
    let innerRepeats = max(1, 200_000 / max(1, ranges.count))
    var throttle = ProgressThrottle(progress)
    bytes.withUnsafeBytes { all in
      for pass in 0..<max(1, passes) {
        var decoded = 0
        let allocationsBefore = AllocationCounter.count()
        let started = MonotonicClock.nanoseconds()
        for _ in 0..<innerRepeats {
          for range in ranges {
            let payload = UnsafeRawBufferPointer(rebasing: all[range])
            guard case .success(let unwrapped) = V2XUnwrap.locateFrame(payload) else { continue }
            let frame = UnsafeRawBufferPointer(rebasing: payload[unwrapped.frame])
            if case .success(let f) = J2735.decodeFrame(frame), case .bsm = f.body { decoded += 1 }
          }
        }
        let elapsed = Double(MonotonicClock.nanoseconds() - started) / 1e9
        if let before = allocationsBefore, let after = AllocationCounter.count() {
          result.allocations = (result.allocations ?? 0) + (after - before)
        }
        result.messagesPerSecond.append(Double(ranges.count * innerRepeats) / elapsed)
        result.decodedPerPass = decoded / innerRepeats
        throttle.update(Double(pass + 1) / Double(max(1, passes)))
      }
    }
    throttle.finish()
    return result
  }
}
