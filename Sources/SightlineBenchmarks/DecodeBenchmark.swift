import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlinePipeline

/// `sightline bench decode`: decodes a whole capture N times from memory (link layer, packet
/// decode and sweep assembly included, no I/O) and reports points per second. The same
/// measurement anyone can repeat; Tools/bench compares it with velodyne-decoder.
public enum DecodeBenchmark {
  public struct Result: Sendable {
    public var pointsPerSecond: [Double]
    public var pointsPerPass: Int
    public var packetsPerPass: Int
    /// Heap allocations inside the timed loops, when Tools/bench/malloc_count.c is preloaded.
    public var allocations: UInt?
    /// Of those, the ones in the second half of each pass's packets, once a new stream's
    /// buffers have grown to their size: a hot path that allocated would show here.
    public var steadyStateAllocations: UInt?
    public var median: Double {
      let sorted = pointsPerSecond.sorted()
      return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
  }

  /// Loads every record of the capture into one contiguous buffer first.
  public static func load(_ path: String, filter: String? = nil) throws -> (
    bytes: [UInt8], records: [Range<Int>], times: [Int64], linkType: LinkType
  ) {
    let capture = try LinkLayerCapture(path: path, filter: filter)
    var bytes = [UInt8]()
    var records = [Range<Int>]()
    var times = [Int64]()
    if let damage = try capture.read({ record in
      let start = bytes.count
      bytes.append(contentsOf: record.bytes)
      records.append(start..<bytes.count)
      times.append(record.timestampNanoseconds)
    }) {
      throw damage
    }
    return (bytes, records, times, capture.linkType)
  }

  /// Each pass makes a new ingest (a stream's state cannot be rewound); its sweep buffer would
  /// otherwise be a fresh mmap every pass, and the timing would count the kernel's page faults
  /// on first touch (75 per pass on the legacy Ouster capture, half its time), which a running
  /// process, reusing its buffers, never pays.
  static func keepFreedMemory() {
    let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD (<malloc.h>; Swift does not import it)
    let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    _ = glibcMallopt(mmapThreshold, 256 << 20)
    _ = glibcMallopt(trimThreshold, 512 << 20)
  }

  /// `progress` hears the fraction of passes done, between passes (ProgressThrottle).
  public static func run(
    capture path: String, config: SightlineConfig, repeat passes: Int,
    progress: ((Double) -> Void)? = nil
  ) throws -> Result {
    keepFreedMemory()
    let loaded = try load(path, filter: config.lidar.captureFilter)
    var result = Result(
      pointsPerSecond: [], pointsPerPass: 0, packetsPerPass: 0, allocations: nil,
      steadyStateAllocations: nil)
    var throttle = ProgressThrottle(progress)
    for pass in 0..<max(1, passes) {
      var ingest = try LidarIngest(config: config)
      var points = 0
      let allocationsBefore = AllocationCounter.count()
      let started = MonotonicClock.nanoseconds()
      let half = loaded.records.count / 2
      var halfway: UInt?
      loaded.bytes.withUnsafeBytes { all in
        for (index, range) in loaded.records.enumerated() {
          if index == half { halfway = AllocationCounter.count() }
          ingest.ingest(
            frame: UnsafeRawBufferPointer(rebasing: all[range]), linkType: loaded.linkType,
            captureTime: loaded.times[index]
          ) { sweep, _ in points += sweep.points.count }
        }
        ingest.flush { sweep, _ in points += sweep.points.count }
      }
      let elapsed = Double(MonotonicClock.nanoseconds() - started) / 1e9
      if let before = allocationsBefore, let halfway, let after = AllocationCounter.count() {
        result.allocations = (result.allocations ?? 0) + (after - before)
        result.steadyStateAllocations = (result.steadyStateAllocations ?? 0) + (after - halfway)
      }
      result.pointsPerSecond.append(Double(points) / elapsed)
      result.pointsPerPass = points
      result.packetsPerPass = ingest.counters.decodedPackets
      throttle.update(Double(pass + 1) / Double(max(1, passes)))
    }
    throttle.finish()
    return result
  }
}

/// glibc's `mallopt` (<malloc.h>, which the Glibc module does not bring in).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
