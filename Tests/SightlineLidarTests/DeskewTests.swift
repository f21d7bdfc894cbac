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
}
