// PoseCovariance: a pose's 6×6 covariance, carried with the ego state without allocating.

/// The 6×6 covariance of a pose over (x east, y north, z up, roll, pitch, yaw), row-major as
/// geometry_msgs/PoseWithCovariance: m², m·rad and rad². Stored inline (two SIMD vectors, no
/// heap), so ego states that carry it can be copied and interpolated on the frame path.
public struct PoseCovariance: Sendable, Equatable {
  public static let dimension = 6
  public static let count = 36
  /// Entries 0..<32 and 32..<36, row-major.
  private var head = SIMD32<Double>()
  private var tail = SIMD4<Double>()

  public init() {}

  /// From 36 row-major values; nil for any other count.
  public init?(rowMajor values: some Collection<Double>) {
    guard values.count == Self.count else { return nil }
    for (index, value) in values.enumerated() { self[index] = value }
  }

  /// A diagonal covariance: the variances of x, y, z, roll, pitch, yaw.
  public init(diagonal: [Double]) {
    precondition(diagonal.count == Self.dimension, "PoseCovariance needs 6 variances")
    for (index, value) in diagonal.enumerated() { self[index, index] = value }
  }

  /// The entry at row-major index `index` (0..<36).
  public subscript(index: Int) -> Double {
    get { index < 32 ? head[index] : tail[index - 32] }
    set {
      if index < 32 { head[index] = newValue } else { tail[index - 32] = newValue }
    }
  }

  public subscript(row: Int, column: Int) -> Double {
    get { self[row * Self.dimension + column] }
    set { self[row * Self.dimension + column] = newValue }
  }

  /// The 36 values, row-major.
  public var rowMajor: [Double] { (0..<Self.count).map { self[$0] } }

  /// Every entry finite, the diagonal non-negative and the matrix symmetric (to rounding).
  public var isValid: Bool {
    for index in 0..<Self.count where !self[index].isFinite { return false }
    for row in 0..<Self.dimension {
      if self[row, row] < 0 { return false }
      for column in (row + 1)..<Self.dimension {
        let a = self[row, column]
        let b = self[column, row]
        if abs(a - b) > 1e-9 * max(1, abs(a), abs(b)) { return false }
      }
    }
    return true
  }

  /// The larger eigenvalue of the horizontal (east, north) block: the variance along the
  /// position's worst horizontal direction, m².
  public var horizontalVarianceMajor: Double {
    let a = self[0, 0]
    let b = self[0, 1]
    let d = self[1, 1]
    let mean = (a + d) / 2
    let spread = (((a - d) / 2) * ((a - d) / 2) + b * b).squareRoot()
    return max(0, mean + spread)
  }

  /// Entry by entry, self + (other − self)·s.
  public func interpolated(to other: PoseCovariance, _ s: Double) -> PoseCovariance {
    var result = self
    result.head += (other.head - head) * s
    result.tail += (other.tail - tail) * s
    return result
  }
}
