#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A calibration's angles, precomputed for the hot path: sine and cosine of every 0.01° of block
/// azimuth, and per laser of its azimuth offset and its elevation. A laser's azimuth is the
/// block's plus its offset, unrounded (as nebula computes it, in float radians); its sine and
/// cosine come from the two tables by the angle-sum identities, four multiplications instead of
/// a table per laser and azimuth. Read through raw pointers, so the per-return loop has no
/// bounds checks or reference counting; immutable once built.
final class HesaiAngleTable: @unchecked Sendable {
  static let fullTurn = Float.pi * 2

  let laserCount: Int
  let blockRadians: UnsafeMutableBufferPointer<Float>
  let cosBlock: UnsafeMutableBufferPointer<Float>
  let sinBlock: UnsafeMutableBufferPointer<Float>
  let offsetRadians: UnsafeMutableBufferPointer<Float>
  let cosOffset: UnsafeMutableBufferPointer<Float>
  let sinOffset: UnsafeMutableBufferPointer<Float>
  let cosElevation: UnsafeMutableBufferPointer<Float>
  let sinElevation: UnsafeMutableBufferPointer<Float>
  /// The lasers with the smallest and the largest azimuth offset (the first of each): the last
  /// and the first to cross the cut, which is all nebula's scan cutter looks at.
  let laggingLaser: Int
  let leadingLaser: Int

  init(_ calibration: HesaiCalibration) {
    laserCount = calibration.model.laserCount
    (blockRadians, cosBlock, sinBlock) = Self.table(count: 36000) { Double($0) / 100 }
    (offsetRadians, cosOffset, sinOffset) = Self.table(count: laserCount) {
      Double(calibration.azimuthOffsetDegrees[$0])
    }
    let elevation = Self.table(count: laserCount) { Double(calibration.elevationDegrees[$0]) }
    elevation.radians.deallocate()
    (cosElevation, sinElevation) = (elevation.cos, elevation.sin)
    let offsets = Array(offsetRadians)
    laggingLaser = offsets.firstIndex(of: offsets.min()!)!
    leadingLaser = offsets.firstIndex(of: offsets.max()!)!
  }

  deinit {
    for table in [blockRadians, cosBlock, sinBlock, offsetRadians, cosOffset, sinOffset] {
      table.deallocate()
    }
    cosElevation.deallocate()
    sinElevation.deallocate()
  }

  /// Radians (as nebula's float `deg2rad`), and their cosine and sine, of `count` angles given
  /// in degrees.
  private static func table(count: Int, degrees: (Int) -> Double) -> (
    radians: UnsafeMutableBufferPointer<Float>, cos: UnsafeMutableBufferPointer<Float>,
    sin: UnsafeMutableBufferPointer<Float>
  ) {
    let radians = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
    let cosines = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
    let sines = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
    for index in 0..<count {
      let angle = degrees(index) * Double.pi / 180
      radians[index] = Float(angle)
      cosines[index] = Float(cos(angle))
      sines[index] = Float(sin(angle))
    }
    return (radians, cosines, sines)
  }

  /// The laser's azimuth in radians, [0, 2π): the block's plus the laser's offset, in float as
  /// nebula's scan cutter sees it.
  @inline(__always) func azimuth(block: Int, laser: Int) -> Float {
    Self.normalized(blockRadians[block] + offsetRadians[laser])
  }

  /// Cosine and sine of the laser's azimuth at `block`.
  @inline(__always) func cosSin(block: Int, laser: Int) -> (cos: Float, sin: Float) {
    let (cosB, sinB, cosO, sinO) = (
      cosBlock[block], sinBlock[block], cosOffset[laser], sinOffset[laser]
    )
    return (cosB * cosO - sinB * sinO, sinB * cosO + cosB * sinO)
  }

  /// `angle` brought into [0, 2π), as nebula's `normalize_angle` (in double, then float).
  @inline(__always) static func normalized(_ angle: Float) -> Float {
    let turn = Double(fullTurn)
    let value = Double(angle)
    return Float(value - (value / turn).rounded(.down) * turn)
  }
}
