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
public enum Deskew {
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
    points.withUnsafeMutableBufferPointer { buffer in
      for index in buffer.indices {
        let fraction = Double(buffer[index].timeNanoseconds - start.timeNanoseconds) / span
        let x = start.x + (end.x - start.x) * fraction
        let y = start.y + (end.y - start.y) * fraction
        let yaw = start.yaw + yawDelta * fraction
        // Sensor frame at firing time → world → sensor frame at the reference time.
        let px = Double(buffer[index].x)
        let py = Double(buffer[index].y)
        let c = cos(yaw)
        let s = sin(yaw)
        let worldX = x + c * px - s * py
        let worldY = y + s * px + c * py
        let dx = worldX - reference.x
        let dy = worldY - reference.y
        buffer[index].x = Float(cosReference * dx + sinReference * dy)
        buffer[index].y = Float(-sinReference * dx + cosReference * dy)
      }
    }
  }
}
