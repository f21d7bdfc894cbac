#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a sensor sits on the vehicle: its origin in the vehicle frame (REP 105's `base_link`,
/// x forward, y left, z up, metres) and its orientation. A point p in the sensor frame is
/// R·p + t in the vehicle frame, with R = Rz(yaw)·Ry(pitch)·Rx(roll) (roll first, about the
/// sensor's x; then pitch; then yaw), as ROS's static transforms compose them.
public struct MountPose: Sendable, Equatable {
  public var x: Double
  public var y: Double
  public var z: Double
  public var rollDegrees: Double
  public var pitchDegrees: Double
  public var yawDegrees: Double

  public init(
    x: Double = 0, y: Double = 0, z: Double = 0, rollDegrees: Double = 0,
    pitchDegrees: Double = 0, yawDegrees: Double = 0
  ) {
    self.x = x
    self.y = y
    self.z = z
    self.rollDegrees = rollDegrees
    self.pitchDegrees = pitchDegrees
    self.yawDegrees = yawDegrees
  }

  /// The sensor is the vehicle frame: its points are left exactly as decoded.
  public static let identity = MountPose()

  public var isIdentity: Bool { self == .identity }

  /// The rotation's rows, R = Rz(yaw)·Ry(pitch)·Rx(roll).
  public var rotation: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>) {
    let degree = Double.pi / 180
    let (cr, sr) = (cos(rollDegrees * degree), sin(rollDegrees * degree))
    let (cp, sp) = (cos(pitchDegrees * degree), sin(pitchDegrees * degree))
    let (cy, sy) = (cos(yawDegrees * degree), sin(yawDegrees * degree))
    return (
      SIMD3(cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr),
      SIMD3(sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr),
      SIMD3(-sp, cp * sr, cp * cr)
    )
  }

  /// One sensor-frame point in the vehicle frame.
  public func apply(_ p: SIMD3<Double>) -> SIMD3<Double> {
    let (r0, r1, r2) = rotation
    return SIMD3((r0 * p).sum() + x, (r1 * p).sum() + y, (r2 * p).sum() + z)
  }

  /// Moves `points[range]` from the sensor frame into the vehicle frame, in place and without
  /// allocating. The identity leaves them untouched (bit for bit).
  public func apply(to points: inout [LidarPoint], range: Range<Int>) {
    guard !isIdentity else { return }
    let (r0, r1, r2) = rotation
    let m = (
      SIMD3<Float>(r0), SIMD3<Float>(r1), SIMD3<Float>(r2),
      SIMD3<Float>(Float(x), Float(y), Float(z))
    )
    points.withUnsafeMutableBufferPointer { buffer in
      for index in range {
        let p = SIMD3(buffer[index].x, buffer[index].y, buffer[index].z)
        buffer[index].x = (m.0 * p).sum() + m.3.x
        buffer[index].y = (m.1 * p).sum() + m.3.y
        buffer[index].z = (m.2 * p).sum() + m.3.z
      }
    }
  }
}
