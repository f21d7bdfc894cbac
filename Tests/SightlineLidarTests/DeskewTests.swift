import Foundation
import SightlineLidar
import Testing

@Suite struct DeskewTests {
  /// A wall 10 m ahead (world x = 10 + start), seen by a sensor driving towards it at 20 m/s
  /// for 0.1 s: each point is where the wall appeared from the sensor at its firing time.
  func sweepTowardsAWall(speed: Double, yawRate: Double) -> ([LidarPoint], PlanarPose, PlanarPose) {
    let start = PlanarPose(timeNanoseconds: 0, x: 0, y: 0, yaw: 0)
    var points = [LidarPoint]()
    for index in 0..<100 {
      let t = Double(index) / 1000  // 0…99 ms
      let yaw = yawRate * t
      let sensorX = speed * t
      // World point on the wall x = 10, at y = (index − 50) / 10.
      let worldX = 10.0
      let worldY = Double(index - 50) / 10
      let dx = worldX - sensorX
      let dy = worldY
      let localX = cos(yaw) * dx + sin(yaw) * dy
      let localY = -sin(yaw) * dx + cos(yaw) * dy
      points.append(
        LidarPoint(
          x: Float(localX), y: Float(localY), z: 0, distance: 10,
          timeNanoseconds: Int64(t * 1e9), azimuthCentidegrees: 0, intensity: 0, ring: 0,
          returnType: 1))
    }
    let end = PlanarPose(timeNanoseconds: 100_000_000, x: speed * 0.1, y: 0, yaw: yawRate * 0.1)
    return (points, start, end)
  }

  @Test func aWallSeenWhileDrivingIsStraightAgainAfterDeskew() {
    var (points, start, end) = sweepTowardsAWall(speed: 20, yawRate: 0)
    let smear = (points.map(\.x).max()! - points.map(\.x).min()!)
    #expect(smear > 1.9)  // 2 m of travel during the sweep
    Deskew.apply(&points, from: start, to: end, reference: end)
    let spread = points.map(\.x).max()! - points.map(\.x).min()!
    #expect(spread < 0.001)
    #expect(abs(points[0].x - 8) < 0.001)  // 10 m − 2 m travelled, seen from the end pose
  }

  @Test func turningIsCompensatedToo() {
    var (points, start, end) = sweepTowardsAWall(speed: 10, yawRate: 0.35)  // 20°/s
    Deskew.apply(&points, from: start, to: end, reference: end)
    // Back in the world frame, every point lies on x = 10 again (to the linearisation error).
    let c = cos(end.yaw)
    let s = sin(end.yaw)
    for point in points {
      let worldX = end.x + c * Double(point.x) - s * Double(point.y)
      #expect(abs(worldX - 10) < 0.005)
    }
  }

  /// Against the exact move (a sine and cosine per point) on a fast turn, points out to 200 m
  /// fired in no particular order and a little outside the sweep's span: within 0.2 mm.
  @Test func theSlicedRotationMatchesTheExactMoveWithinAFractionOfAMillimetre() {
    let start = PlanarPose(timeNanoseconds: 1_000, x: 3, y: -2, yaw: 3.0)
    let end = PlanarPose(timeNanoseconds: 100_001_000, x: 4.5, y: -1.2, yaw: 3.0 + 0.2 - 2 * .pi)
    let reference = end
    var generator = SystemRandomNumberGenerator()
    var points = (0..<5000).map { _ in
      let angle = Double.random(in: 0..<(2 * .pi), using: &generator)
      let range = Double.random(in: 0.5...200, using: &generator)
      return LidarPoint(
        x: Float(range * cos(angle)), y: Float(range * sin(angle)), z: 0, distance: Float(range),
        timeNanoseconds: Int64.random(in: -2_000_000...102_000_000, using: &generator),
        azimuthCentidegrees: 0, intensity: 0, ring: 0, returnType: 1)
    }
    let original = points
    Deskew.apply(&points, from: start, to: end, reference: reference)
    var worst = 0.0
    for (before, after) in zip(original, points) {
      let f = Double(before.timeNanoseconds - start.timeNanoseconds) / 100_000_000
      let yaw = start.yaw + 0.2 * f
      let x = start.x + (end.x - start.x) * f
      let y = start.y + (end.y - start.y) * f
      let worldX = x + cos(yaw) * Double(before.x) - sin(yaw) * Double(before.y)
      let worldY = y + sin(yaw) * Double(before.x) + cos(yaw) * Double(before.y)
      let dx = worldX - reference.x
      let dy = worldY - reference.y
      let exactX = cos(reference.yaw) * dx + sin(reference.yaw) * dy
      let exactY = -sin(reference.yaw) * dx + cos(reference.yaw) * dy
      worst = max(worst, hypot(exactX - Double(after.x), exactY - Double(after.y)))
    }
    #expect(worst < 0.0002, "worst \(worst) m")
    #expect(worst > 0)  // it did move them
  }
}
