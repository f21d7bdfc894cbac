#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A planar pose of the sensor at a time: where it was and which way it faced.
public struct PlanarPose: Sendable, Equatable {
  public var timeNanoseconds: Int64
  public var x: Double
  public var y: Double
  /// Radians, counter-clockwise from the x axis of the world frame.
  public var yaw: Double

  public init(timeNanoseconds: Int64, x: Double, y: Double, yaw: Double) {
    self.timeNanoseconds = timeNanoseconds
    self.x = x
    self.y = y
    self.yaw = yaw
  }
}

/// Motion compensation: a sweep takes ~0.1 s, and at 20 m/s the sensor moves 2 m while it turns,
/// so points fired early and late are in different frames and walls smear. This moves every
/// point into the sensor frame at `reference` time, with the pose interpolated linearly
/// (position and yaw) between the poses at the sweep's start and end — exact for constant
/// velocity and turn rate over one sweep. In place, allocation-free.
///
/// Per point the whole move is one rotation by θ(f) = θ₀ + Δθ·f and a translation a + b·f, f the
/// point's fraction of the sweep's time. The rotation's cosine and sine are exact at the ends of
/// `segments` equal slices of the sweep and linear between (`SegmentedRotation`): a slice
/// turns by Δθ/128, so the error is below (Δθ/128)²/8 of the range (0.06 mm at 200 m for a
/// 2 rad/s turn), and a point costs a few multiplications instead of a sine and a cosine.
public enum Deskew {
  static let segments = 128

  public static func apply(
    _ points: inout [LidarPoint], from start: PlanarPose, to end: PlanarPose,
    reference: PlanarPose
  ) {
    let span = Double(end.timeNanoseconds - start.timeNanoseconds)
    guard span > 0 else { return }
    var yawDelta = end.yaw - start.yaw
    if yawDelta > .pi { yawDelta -= 2 * .pi } else if yawDelta < -.pi { yawDelta += 2 * .pi }
    let cosReference = cos(reference.yaw)
    let sinReference = sin(reference.yaw)
    // The sensor's position at f, in the reference sensor frame: a + b·f.
    func toReference(_ dx: Double, _ dy: Double) -> (x: Double, y: Double) {
      (cosReference * dx + sinReference * dy, -sinReference * dx + cosReference * dy)
    }
    let a = toReference(start.x - reference.x, start.y - reference.y)
    let b = toReference(end.x - start.x, end.y - start.y)
    var rotation = SegmentedRotation(
      start: start.yaw - reference.yaw, turn: yawDelta, segments: segments)
    let startTime = start.timeNanoseconds
    points.withUnsafeMutableBufferPointer { buffer in
      for index in buffer.indices {
        let f = Double(buffer[index].timeNanoseconds - startTime) / span
        let (c, s) = rotation.cosineAndSine(at: f)
        let px = Double(buffer[index].x)
        let py = Double(buffer[index].y)
        buffer[index].x = Float(c * px - s * py + a.x + b.x * f)
        buffer[index].y = Float(s * px + c * py + a.y + b.y * f)
      }
    }
  }
}
