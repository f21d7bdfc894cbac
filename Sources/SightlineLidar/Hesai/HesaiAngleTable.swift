#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A calibration's angles, precomputed for the hot path: per laser the azimuth offset rounded
/// to 0.01° (as nebula's `AngleCorrectorCalibrationBased` rounds it) and the sine and cosine of
/// its elevation; sine and cosine of every 0.01° of azimuth. Read through raw pointers so the
/// per-return loop has no bounds checks or reference counting; immutable once built.
final class HesaiAngleTable: @unchecked Sendable {
  let laserCount: Int
  let azimuthOffsets: UnsafeMutableBufferPointer<Int>
  let cosElevation: UnsafeMutableBufferPointer<Float>
  let sinElevation: UnsafeMutableBufferPointer<Float>
  let cosAzimuth: UnsafeMutableBufferPointer<Float>
  let sinAzimuth: UnsafeMutableBufferPointer<Float>
  /// The lasers with the smallest and the largest azimuth offset (the first of each): the last
  /// and the first to cross the cut, which is all nebula's scan cutter looks at.
  let laggingLaser: Int
  let leadingLaser: Int

  init(_ calibration: HesaiCalibration) {
    laserCount = calibration.model.laserCount
    azimuthOffsets = .allocate(capacity: laserCount)
    cosElevation = .allocate(capacity: laserCount)
    sinElevation = .allocate(capacity: laserCount)
    cosAzimuth = .allocate(capacity: 36000)
    sinAzimuth = .allocate(capacity: 36000)
    for laser in 0..<laserCount {
      let offset = Double(calibration.azimuthOffsetDegrees[laser]) * 100
      azimuthOffsets[laser] = Int(offset.rounded(.toNearestOrAwayFromZero))
      let elevation = Self.radians(Double(calibration.elevationDegrees[laser]))
      cosElevation[laser] = cosf(elevation)
      sinElevation[laser] = sinf(elevation)
    }
    for centidegrees in 0..<36000 {
      let azimuth = Self.radians(Double(centidegrees) / 100)
      cosAzimuth[centidegrees] = cosf(azimuth)
      sinAzimuth[centidegrees] = sinf(azimuth)
    }
    let offsets = Array(azimuthOffsets)
    laggingLaser = offsets.firstIndex(of: offsets.min()!)!
    leadingLaser = offsets.firstIndex(of: offsets.max()!)!
  }

  deinit {
    for buffer in [azimuthOffsets] { buffer.deallocate() }
    for buffer in [cosElevation, sinElevation, cosAzimuth, sinAzimuth] { buffer.deallocate() }
  }

  /// The laser's azimuth in 0.01°, 0..<36000: the block's plus the laser's offset.
  @inline(__always) func azimuth(block: Int, laser: Int) -> Int {
    let azimuth = block + azimuthOffsets[laser]
    return azimuth >= 36000 ? azimuth - 36000 : azimuth < 0 ? azimuth + 36000 : azimuth
  }

  private static func radians(_ degrees: Double) -> Float {
    Float(degrees * Double.pi / 180)
  }
}
