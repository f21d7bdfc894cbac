import Foundation
import SightlineGrid
import SightlinePipeline

/// `sightline bench grid`: the shared scan format (shared/bench/gen_street_scans.py: magic
/// 'SNCS', nscans, npts; per scan the origin and npts world points, float32) through the grid,
/// ray casting included; ms per scan, median.
public enum GridBenchmark {
  public struct Scans: Sendable {
    public var count: Int
    public var pointsPerScan: Int
    /// Per scan: origin (3 floats) then the points (3 floats each), as in the file.
    public var data: [Float]
  }

  public static func load(_ path: String) throws -> Scans {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    guard bytes.count >= 12 else { throw CocoaError(.fileReadCorruptFile) }
    func int32(_ at: Int) -> Int {
      Int(
        Int32(
          bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8
            | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24))
    }
    guard int32(0) == 0x5343_4E53 else { throw CocoaError(.fileReadCorruptFile) }
    let count = int32(4)
    let points = int32(8)
    let floats = count * (3 + points * 3)
    guard count > 0, points > 0, bytes.count >= 12 + floats * 4 else {
      throw CocoaError(.fileReadCorruptFile)
    }
    var data = [Float](repeating: 0, count: floats)
    bytes.withUnsafeBytes { source in
      data.withUnsafeMutableBytes {
        $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[12..<(12 + floats * 4)]))
      }
    }
    return Scans(count: count, pointsPerScan: points, data: data)
  }

  public struct Result: Sendable {
    public var millisecondsPerScan: [Double]
    public var cellsTouched: Int
    public var median: Double {
      let sorted = millisecondsPerScan.sorted()
      return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
  }

  /// Ground is below `groundZ` in the world frame (as the C baseline's), relative to the origin.
  /// `progress` hears the fraction of scans done, between scans (ProgressThrottle).
  public static func run(
    _ scans: Scans, size: Int, resolution: Float, rays: RayCasting,
    groundZ: Float = 0.3, progress: ((Double) -> Void)? = nil
  ) -> Result {
    var grid = OccupancyGrid(
      geometry: GridGeometry(columns: size, rows: size, resolution: resolution))
    var updater = LidarUpdater(geometry: grid.geometry)
    updater.prepare(rays)  // the polar tables, built once per grid, outside the timing
    var result = Result(millisecondsPerScan: [], cellsTouched: 0)
    let stride = 3 + scans.pointsPerScan * 3
    var throttle = ProgressThrottle(progress)
    scans.data.withUnsafeBufferPointer { all in
      for scan in 0..<scans.count {
        let base = scan * stride
        let ox = all[base]
        let oy = all[base + 1]
        let oz = all[base + 2]
        let points = UnsafeBufferPointer(rebasing: all[(base + 3)..<(base + stride)])
        let band = HeightBand(minimum: groundZ - oz, maximum: 100)
        let started = MonotonicClock.nanoseconds()
        // The window rolls with the sensor, as the C baseline's does.
        grid.recentre(x: Double(ox), y: Double(oy))
        let update = updater.integrate(
          count: scans.pointsPerScan, band: band, rays: rays, into: &grid
        ) { index in
          (points[index * 3] - ox, points[index * 3 + 1] - oy, points[index * 3 + 2] - oz)
        }
        result.millisecondsPerScan.append(Double(MonotonicClock.nanoseconds() - started) / 1e6)
        result.cellsTouched += update.cellsUpdated
        throttle.update(Double(scan + 1) / Double(scans.count))
      }
    }
    throttle.finish()
    return result
  }
}
