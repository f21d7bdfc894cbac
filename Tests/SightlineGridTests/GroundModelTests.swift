import Foundation
import Testing

@testable import SightlineGrid

@Suite struct GroundModelTests {
  /// A road rising 10% from 2 m out, scanned by 16 rings; a 1.5 m box stands on it at 12 m,
  /// ahead (bearings within ±10°).
  func rampScene() -> [P] {
    var points: [P] = []
    func groundHeight(_ range: Float) -> Float { -1.6 + 0.1 * max(0, range - 2) }
    for step in 0..<720 {
      let angle = Float(step) * .pi / 360
      for range in stride(from: Float(1), through: 25, by: 0.5) {
        let inBox = abs(angle) < 0.17 || abs(angle - 2 * .pi) < 0.17
        if inBox && range >= 12 { break }  // the box hides what is behind it
        points.append(P(x: cos(angle) * range, y: sin(angle) * range, z: groundHeight(range)))
      }
      if abs(angle) < 0.17 || abs(angle - 2 * .pi) < 0.17 {
        for z in stride(from: Float(0.3), through: 1.5, by: 0.3) {
          points.append(P(x: cos(angle) * 12, y: sin(angle) * 12, z: groundHeight(12) + z))
        }
      }
    }
    return points
  }

  @Test func aSlopedGroundModelKeepsARampFreeAndTheBoxOccupied() {
    let points = rampScene()
    let band = HeightBand(minimum: -1.3, maximum: 5)
    var grid = OccupancyGrid(geometry: GridGeometry(columns: 600, rows: 600, resolution: 0.1))
    grid.recentre(x: 0, y: 0)
    var updater = LidarUpdater(geometry: grid.geometry)
    // The fixed band calls the ramp a wall once it rises 0.3 m above the sensor's ground.
    var banded = grid
    _ = updater.integrate(count: points.count, band: band, rays: .standard, into: &banded) {
      (points[$0].x, points[$0].y, points[$0].z)
    }
    #expect(banded.state(x: -7.95, y: 0.05) == .occupied)

    var model = SlopedGround(nominal: -1.55, clearance: 0.25, maximumSlope: 0.15)
    var floor = ObstacleFloor(floor: band.minimum)
    model.fit(count: points.count, into: &floor) { (points[$0].x, points[$0].y, points[$0].z) }
    let report = updater.integrate(
      count: points.count, band: band, floor: floor, rays: .standard, into: &grid
    ) {
      (points[$0].x, points[$0].y, points[$0].z)
    }
    for x in stride(from: -19.95, through: -3, by: 1) {
      #expect(grid.state(x: x, y: 0.05) == .free)  // the ramp behind: ground, seen free
    }
    #expect(grid.state(x: 12.02, y: 0.05) == .occupied)  // the box
    #expect(grid.state(x: 8.05, y: 0.05) == .free)
    #expect(report.pointsUsed < 200)  // only the box's returns
    #expect(grid.counts().occupied < 120)
  }
}
