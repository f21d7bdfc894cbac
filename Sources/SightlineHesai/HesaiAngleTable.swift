#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A calibration's angles, precomputed for the hot path: per laser the sine and cosine of its
/// azimuth offset and of its elevation, beside the shared sine and cosine of every 0.01° of
/// block azimuth (`HesaiAngleTable.blocks`). A laser's azimuth is the block's plus its offset,
/// unrounded (as nebula adds them, in float radians); its sine and cosine come from the two
/// tables by the angle-sum identities, four multiplications instead of a table per laser and
/// azimuth. Read through raw pointers, so the per-return loop has no bounds checks or
/// reference counting; immutable once built.
final class HesaiAngleTable: @unchecked Sendable {
  @inline(__always) static var fullTurn: Float { Float.pi * 2 }
  /// Every 0.01° of block azimuth; built once, shared by every decoder, never freed.
  static let blocks = Trigonometry(count: 36000) { Double($0) / 100 }

  let laserCount: Int
  let offsets: Trigonometry
  let elevations: Trigonometry
  /// The lasers with the smallest and the largest azimuth offset (the first of each): the last
  /// and the first to cross the cut, which is all nebula's scan cutter looks at.
  let laggingLaser: Int
  let leadingLaser: Int

  init(_ calibration: HesaiCalibration) {
    laserCount = calibration.model.laserCount
    offsets = Trigonometry(count: laserCount) { Double(calibration.azimuthOffsetDegrees[$0]) }
    elevations = Trigonometry(count: laserCount) { Double(calibration.elevationDegrees[$0]) }
    let radians = Array(offsets.radians)
    laggingLaser = radians.firstIndex(of: radians.min()!)!
    leadingLaser = radians.firstIndex(of: radians.max()!)!
  }

  deinit {
    offsets.deallocate()
    elevations.deallocate()
  }

  /// The laser's azimuth in radians, [0, 2π): the block's plus the laser's offset, in float as
  /// nebula's scan cutter sees it.
  @inline(__always) func azimuth(block: Int, laser: Int) -> Float {
    Self.normalized(Self.blocks.radians[block] + offsets.radians[laser])
  }

  /// Cosine and sine of the laser's azimuth at `block`.
  @inline(__always) func cosSin(block: Int, laser: Int) -> (cos: Float, sin: Float) {
    let blocks = Self.blocks
    let (cosB, sinB) = (blocks.cosines[block], blocks.sines[block])
    let (cosO, sinO) = (offsets.cosines[laser], offsets.sines[laser])
    return (cosB * cosO - sinB * sinO, sinB * cosO + cosB * sinO)
  }

  @inline(__always) func cosElevation(_ laser: Int) -> Float { elevations.cosines[laser] }
  @inline(__always) func sinElevation(_ laser: Int) -> Float { elevations.sines[laser] }

  /// `angle` brought into [0, 2π), as nebula's `normalize_angle` (in double, then float).
  @inline(__always) static func normalized(_ angle: Float) -> Float {
    // Within a turn the formula gives the angle itself, and a turn above it the float
    // difference, which is exact; only below 0 does it round.
    if angle >= 0 && angle < fullTurn { return angle }
    if angle >= fullTurn && angle < 2 * fullTurn { return angle - fullTurn }
    let turn = Double(fullTurn)
    let value = Double(angle)
    return Float(value - (value / turn).rounded(.down) * turn)
  }

  /// Radians (as nebula's float `deg2rad`), cosine and sine of angles given in degrees.
  struct Trigonometry: @unchecked Sendable {
    let radians: UnsafeMutableBufferPointer<Float>
    let cosines: UnsafeMutableBufferPointer<Float>
    let sines: UnsafeMutableBufferPointer<Float>

    init(count: Int, degrees: (Int) -> Double) {
      radians = .allocate(capacity: count)
      cosines = .allocate(capacity: count)
      sines = .allocate(capacity: count)
      for index in 0..<count {
        let angle = degrees(index) * Double.pi / 180
        radians[index] = Float(angle)
        cosines[index] = Float(cos(angle))
        sines[index] = Float(sin(angle))
      }
    }

    func deallocate() {
      radians.deallocate()
      cosines.deallocate()
      sines.deallocate()
    }
  }
}
