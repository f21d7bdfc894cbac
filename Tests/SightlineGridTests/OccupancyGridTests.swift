import Foundation
import Testing

@testable import SightlineGrid

struct P {
  var x: Float
  var y: Float
  var z: Float
}

let band = HeightBand(minimum: -1, maximum: 1)

/// A 20 m × 20 m window at 0.1 m with the sensor at the world origin (a cell corner), so that
/// point (x, y) falls in world cell (⌊x/0.1⌋, ⌊y/0.1⌋).
func makeGrid(size: Int = 200) -> OccupancyGrid {
  var grid = OccupancyGrid(geometry: GridGeometry(columns: size, rows: size, resolution: 0.1))
  grid.recentre(x: 0, y: 0)
  return grid
}

extension OccupancyGrid {
  func state(_ x: Float, _ y: Float) -> CellState { state(x: Double(x), y: Double(y)) }

  /// The window as nav_msgs cells.
  func occupancyCells() -> [Int8] {
    var cells = [Int8](repeating: 0, count: geometry.cellCount)
    cells.withUnsafeMutableBufferPointer { writeOccupancy(into: $0) }
    return cells
  }
}

extension LidarUpdater {
  /// Points are relative to the sensor at world (sensorX, sensorY).
  @discardableResult
  mutating func integrate(
    _ points: [P], into grid: inout OccupancyGrid, rays: RayCasting = .perPoint,
    band: HeightBand = band, maximumRange: Float = .infinity
  ) -> LidarUpdateReport {
    integrate(
      count: points.count, band: band, maximumRange: maximumRange, rays: rays, into: &grid
    ) {
      (points[$0].x, points[$0].y, points[$0].z)
    }
  }
}

/// A 360° scan from the sensor against axis-aligned boxes (world frame), 0.1° steps, one
/// obstacle return per bearing (or a far return at `range`), plus a ground return halfway.
func scan(
  boxes: [(x0: Float, y0: Float, x1: Float, y1: Float)], from sensor: (x: Float, y: Float),
  range: Float = 45, steps: Int = 3600
) -> [P] {
  var points = [P]()
  for step in 0..<steps {
    let angle = Float(step) * 2 * .pi / Float(steps)
    let dx = cos(angle)
    let dy = sin(angle)
    var hit = range
    for box in boxes {
      // Slab intersection of the ray with the box.
      var near: Float = 0
      var far: Float = .infinity
      for (origin, direction, low, high) in [
        (sensor.x, dx, box.x0, box.x1), (sensor.y, dy, box.y0, box.y1),
      ] {
        if abs(direction) < 1e-9 {
          if origin < low || origin > high { near = .infinity }
        } else {
          let t0 = (low - origin) / direction
          let t1 = (high - origin) / direction
          near = max(near, min(t0, t1))
          far = min(far, max(t0, t1))
        }
      }
      if near <= far && near > 0 { hit = min(hit, near + 0.01) }
    }
    points.append(P(x: dx * hit, y: dy * hit, z: 0))
    points.append(P(x: dx * hit * 0.5, y: dy * hit * 0.5, z: -1.5))
  }
  return points
}

@Suite struct OccupancyGridTests {
  /// A wall 5 m ahead, sampled densely along y.
  func wall(at distance: Float) -> [P] {
    stride(from: Float(-3), through: 3, by: 0.02).map { P(x: distance, y: $0, z: 0) }
  }

  @Test(arguments: [RayCasting.perPoint, .standard])
  func wallIsOccupiedWithFreeSpaceBeforeAndUnknownBehind(rays: RayCasting) {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    updater.integrate(wall(at: 5.05), into: &grid, rays: rays)
    #expect(grid.state(5.05, 0) == .occupied)
    #expect(grid.state(5.05, 2.5) == .occupied)
    for x in stride(from: Float(0.15), through: 4.9, by: 0.5) {
      #expect(grid.state(x, 0) == .free)
      #expect(grid.state(x, x * 0.4) == .free)
    }
    #expect(grid.state(6, 0) == .unknown)
    #expect(grid.state(5.5, 1) == .unknown)
    #expect(grid.state(-3, 0) == .unknown)
    let counts = grid.counts()
    #expect(counts == grid.cellCounts)
    #expect(counts.occupied + counts.free + counts.unknown == 200 * 200)
    #expect(counts.occupied > 50 && counts.occupied < 70)
  }

  @Test(arguments: [RayCasting.perPoint, .standard])
  func corridorIsFreeBetweenItsWallsAndUnknownOutside(rays: RayCasting) {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    let walls = [
      (x0: Float(-9), y0: Float(1.5), x1: Float(9), y1: Float(1.7)),
      (x0: -9, y0: -1.7, x1: 9, y1: -1.5),
    ]
    updater.integrate(scan(boxes: walls, from: (0, 0)), into: &grid, rays: rays)
    for x in stride(from: Float(-8), through: 8, by: 1) {
      #expect(grid.state(x, 0) == .free)
      #expect(grid.state(x, 1.05) == .free)
      #expect(grid.state(x, -1.05) == .free)
      #expect(grid.state(x, 3) == .unknown)
      #expect(grid.state(x, -3) == .unknown)
    }
    for x in stride(from: Float(-4), through: 4, by: 0.5) {
      #expect(grid.state(x, 1.52) == .occupied)
      #expect(grid.state(x, -1.52) == .occupied)
    }
  }

  @Test(arguments: [RayCasting.perPoint, .standard])
  func aMovingBoxLeavesFreeSpaceBehindIt(rays: RayCasting) {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    // A 1 m box crossing from y = −4 to y = +4 at x = 5, 0.25 m a frame.
    for frame in 0...32 {
      let y = -4 + Float(frame) * 0.25
      updater.integrate(
        scan(boxes: [(x0: 5, y0: y - 0.5, x1: 6, y1: y + 0.5)], from: (0, 0), range: 9),
        into: &grid, rays: rays)
    }
    #expect(grid.state(5.02, 4) == .occupied)  // where it is now
    #expect(grid.state(5.02, -3) == .free)  // where it was, seen free since
    #expect(grid.state(5.02, 0) == .free)
    #expect(grid.state(5.6, 4) != .occupied)  // inside it: never a return
    #expect(grid.cellCounts == grid.counts())
  }

  @Test func occupiedWinsWithinOneSweepAndEachCellUpdatesOnce() {
    for rays in [RayCasting.perPoint, .standard] {
      var grid = makeGrid()
      var updater = LidarUpdater(geometry: grid.geometry)
      // One ray ends at the wall; another passes through the same cell to a point behind it.
      updater.integrate(
        [P(x: 2.05, y: 0.05, z: 0), P(x: 4.05, y: 0.05, z: 0)], into: &grid, rays: rays)
      #expect(grid.state(2.05, 0.05) == .occupied)
      #expect(grid.logOdds(column: 120, row: 100) == LogOddsModel().hit)
      #expect(grid.logOdds(column: 110, row: 100) == LogOddsModel().miss)
    }
  }

  @Test func repeatedEvidenceSaturatesAtTheClamp() {
    for rays in [RayCasting.perPoint, .standard] {
      var grid = makeGrid()
      var updater = LidarUpdater(geometry: grid.geometry)
      for _ in 0..<20 { updater.integrate([P(x: 2.05, y: 0.05, z: 0)], into: &grid, rays: rays) }
      #expect(grid.logOdds(column: 120, row: 100) == LogOddsModel().maximum)
      #expect(grid.logOdds(column: 110, row: 100) == LogOddsModel().minimum)
      #expect(grid.cellCounts == grid.counts())
    }
  }

  @Test func groundClearsTheRayAndOverhangsAreIgnored() {
    for rays in [RayCasting.perPoint, .standard] {
      var grid = makeGrid()
      var updater = LidarUpdater(geometry: grid.geometry)
      let result = updater.integrate(
        [P(x: 3.05, y: 0.05, z: -1.5), P(x: 0.05, y: 3.05, z: 2)], into: &grid, rays: rays)
      #expect(result.pointsGround == 1)
      #expect(result.pointsOverhang == 1)
      #expect(result.pointsUsed == 0)
      #expect(grid.state(3.05, 0.05) == .free)
      #expect(grid.state(0.05, 2.05) == .unknown)
    }
  }

  @Test func pointsOutsideTheWindowClearUpToTheEdge() {
    for rays in [RayCasting.perPoint, .standard] {
      var grid = makeGrid()
      var updater = LidarUpdater(geometry: grid.geometry)
      updater.integrate([P(x: 50, y: 0.05, z: 0)], into: &grid, rays: rays)
      #expect(grid.state(9.95, 0.05) == .free)
      #expect(grid.counts().occupied == 0)
    }
  }

  @Test func badPointsAreRejectedAndCountedNeverConverted() {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    let result = updater.integrate(
      [
        P(x: .nan, y: 0, z: 0), P(x: .infinity, y: 1, z: 0), P(x: 1, y: 1, z: -.infinity),
        P(x: 1e30, y: 0, z: 0), P(x: 0, y: -3e20, z: 0), P(x: 150, y: 0, z: 0),
      ], into: &grid, rays: .standard, maximumRange: 120)
    #expect(result.pointsRejected == 6)
    #expect(grid.counts().unknown == 200 * 200)
  }

  @Test func occupancyCellsFollowNavMsgsSemantics() {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    updater.integrate([P(x: 2.05, y: 0.05, z: 0)], into: &grid)
    let cells = grid.occupancyCells()
    #expect(cells[100 * 200 + 120] == 70)  // p = 1/(1+e^−0.85) = 0.70
    #expect(cells[100 * 200 + 110] == 40)  // p = 1/(1+e^0.4) = 0.40
    #expect(cells[0] == -1)
    #expect(cells.filter { $0 == -1 }.count == grid.counts().unknown)
  }
}

@Suite struct PolarRayCastingTests {
  /// A random scene: walls at random places, seen from the centre as a 0.2° scan.
  func randomScene(seed: UInt64) -> [P] {
    var state = seed
    func next() -> Float {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(state >> 40) / Float(1 << 24)
    }
    let walls = (0..<12).map { _ in
      (radius: 3 + next() * 30, from: next() * 6.28, span: 0.2 + next())
    }
    var points = [P]()
    for step in 0..<1800 {
      let angle = Float(step) * 0.2 * .pi / 180
      var range: Float = 45
      for wall in walls {
        var delta = angle - wall.from
        if delta < 0 { delta += 2 * .pi }
        if delta < wall.span { range = min(range, wall.radius) }
      }
      points.append(P(x: cos(angle) * range, y: sin(angle) * range, z: 0))
      points.append(P(x: cos(angle) * range * 0.5, y: sin(angle) * range * 0.5, z: -1.5))  // ground
    }
    return points
  }

  @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
  func polarCastingAgreesWithPerPointCasting(seed: UInt64) {
    let points = randomScene(seed: seed)
    var perPoint = makeGrid()
    var polar = makeGrid()
    var updater = LidarUpdater(geometry: polar.geometry)
    updater.integrate(points, into: &perPoint, rays: .perPoint)
    updater.integrate(points, into: &polar, rays: .standard)
    var same = 0
    var observedEither = 0
    var occupiedDiffer = 0
    for row in 0..<200 {
      for column in 0..<200 {
        let a = perPoint.state(column: column, row: row)
        let b = polar.state(column: column, row: row)
        if a != .unknown || b != .unknown {
          observedEither += 1
          if a == b { same += 1 }
        }
        if (a == .occupied) != (b == .occupied) { occupiedDiffer += 1 }
      }
    }
    // Occupied cells are identical (endpoints are marked per point either way); free space
    // differs only where a cell's azimuth bins and a Bresenham line disagree at its edge.
    #expect(occupiedDiffer == 0)
    #expect(Double(same) / Double(observedEither) > 0.985)
  }
}

@Suite struct RollingWindowTests {
  /// Posts on a 7 m lattice; the ego drives 100 m in several directions, seeing what is within
  /// 8 m. Every post inside the window must stay where it is in the world, and nothing else
  /// may become occupied.
  @Test func staticObstaclesStayPutWhileTheEgoDrives100Metres() {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    let directions: [(Float, Float)] = [(1, 0), (0, 1), (-0.6, -0.8), (-1, 0)]
    var ego: (x: Float, y: Float) = (0.33, 0.21)
    func posts(near point: (x: Float, y: Float)) -> [(Float, Float)] {
      var found: [(Float, Float)] = []
      let i0 = Int((point.x / 7).rounded())
      let j0 = Int((point.y / 7).rounded())
      for i in (i0 - 3)...(i0 + 3) {
        for j in (j0 - 3)...(j0 + 3) {
          let post = (Float(i) * 7 + 1.234, Float(j) * 7 + 2.345)
          let d = hypot(post.0 - point.x, post.1 - point.y)
          if d < 8 && d > 1 { found.append(post) }
        }
      }
      return found
    }
    var checked = 0
    for direction in directions {
      for _ in 0..<200 {  // 200 × 0.5 m = 100 m
        ego.x += direction.0 * 0.5
        ego.y += direction.1 * 0.5
        grid.recentre(x: Double(ego.x), y: Double(ego.y))
        var points: [P] = []
        for post in posts(near: ego) {
          for k in 0..<8 {  // a 0.1 m post seen from the ego
            let a = Float(k) * .pi / 4
            points.append(
              P(x: post.0 + 0.03 * cos(a) - ego.x, y: post.1 + 0.03 * sin(a) - ego.y, z: 0))
          }
        }
        updater.integrate(points, into: &grid, rays: .standard)
        for post in posts(near: ego) {
          #expect(grid.state(post.0, post.1) == .occupied)
          checked += 1
        }
      }
      // Every occupied cell in the window is a post's cell.
      for row in 0..<200 {
        for column in 0..<200 where grid.state(column: column, row: row) == .occupied {
          let x = (Double(grid.cornerColumn + column) + 0.5) * 0.1
          let y = (Double(grid.cornerRow + row) + 0.5) * 0.1
          let i = ((x - 1.234) / 7).rounded()
          let j = ((y - 2.345) / 7).rounded()
          #expect(hypot(x - (i * 7 + 1.234), y - (j * 7 + 2.345)) < 0.15)
        }
      }
      #expect(grid.cellCounts == grid.counts())
    }
    #expect(checked > 1000)
  }

  @Test func cellsLeavingTheWindowAreForgottenAndAJumpClearsEverything() {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    updater.integrate([P(x: 2.05, y: 0.05, z: 0)], into: &grid)
    #expect(grid.state(2.05, 0.05) == .occupied)
    grid.recentre(x: -9, y: 0)  // the cell is now 11 m east: outside the 10 m half-window
    #expect(grid.state(2.05, 0.05) == .unknown)
    grid.recentre(x: 0, y: 0)  // back: it must not reappear
    #expect(grid.state(2.05, 0.05) == .unknown)
    #expect(grid.cellCounts == grid.counts())
    updater.integrate([P(x: 2.05, y: 0.05, z: 0)], into: &grid)
    let cleared = grid.recentre(x: 1000, y: -1000)
    #expect(cleared > 0)
    #expect(grid.cellCounts == CellCounts(unknown: 200 * 200))
  }
}

@Suite struct DecayTests {
  @Test func anUnobservedObstacleBecomesUnknownAfterTheConfiguredTime() {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    let second: Int64 = 1_000_000_000
    var now: Int64 = 0
    // Seen for 1 s at 10 Hz: saturated.
    for _ in 0..<10 {
      grid.decay(now: now, unknownAfterSeconds: 2)
      updater.integrate([P(x: 2.05, y: 0.05, z: 0)], into: &grid)
      now += second / 10
    }
    #expect(grid.logOdds(column: 120, row: 100) == 3.5)
    // Then not observed: still occupied after 1.5 s, unknown after 2 s (+ one decay round).
    var unknownAfter: Int64?
    for _ in 0..<40 {
      grid.decay(now: now, unknownAfterSeconds: 2)
      if unknownAfter == nil && grid.state(2.05, 0.05) == .unknown { unknownAfter = now }
      now += second / 10
    }
    let lastSeen = Int64(9) * second / 10
    let elapsed = unknownAfter.map { Double($0 - lastSeen) / 1e9 }
    #expect(elapsed != nil)
    if let elapsed { #expect(elapsed >= 1.9 && elapsed <= 2.0 + 0.45) }
    #expect(grid.state(1.05, 0.05) == .unknown)  // free space decays too
    #expect(grid.cellCounts == grid.counts())
  }
}

@Suite struct IncrementalStateTests {
  @Test func keptCountsAndCellsEqualAFullRecount() {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    let scene = PolarRayCastingTests()
    for seed in 1...12 as ClosedRange<UInt64> {
      // Alternate scenes and positions so that cells flip, saturate and scroll.
      grid.recentre(x: Double(seed % 4) * 0.37, y: -Double(seed % 3) * 0.21)
      grid.decay(now: Int64(seed) * 100_000_000, unknownAfterSeconds: 0.5)
      updater.integrate(
        scene.randomScene(seed: seed % 3 + 1), into: &grid,
        rays: seed % 2 == 0 ? .standard : .perPoint)
      #expect(grid.cellCounts == grid.counts())
      // The per-run count of cells at the free clamp, which lets free space skip whole runs,
      // matches the cells.
      let lowest = Int16(grid.fixed.minimum)
      var runsWrong = 0
      for run in 0..<grid.saturatedInRun.count {
        let range = (run * 16)..<min(run * 16 + 16, grid.logOdds.count)
        let atClamp = range.filter { grid.logOdds[$0] == lowest }.count
        if atClamp != Int(grid.saturatedInRun[run]) { runsWrong += 1 }
      }
      #expect(runsWrong == 0)
      let cells = grid.occupancyCells()
      for row in stride(from: 0, to: 200, by: 3) {
        for column in stride(from: 0, to: 200, by: 7) {
          let expected: Int8 =
            grid.logOdds(column: column, row: row).map {
              Int8((100 / (1 + expf(-$0))).rounded())
            } ?? -1
          #expect(cells[row * 200 + column] == expected)
        }
      }
    }
    #expect(grid.cellCounts.occupied > 0 && grid.cellCounts.free > 0)
  }
}

@Suite struct BudgetTests {
  let scene = PolarRayCastingTests().randomScene(seed: 9)

  @Test func aWorkBudgetCutsFreeSpaceNearToFarAndSaysWhere() {
    var full = makeGrid()
    var updater = LidarUpdater(geometry: full.geometry)
    let complete = updater.integrate(scene, into: &full, rays: .standard)
    #expect(complete.degradation == .none)
    var cut = makeGrid()
    var budget = WorkBudget(.workUnits(scene.count + 20_000))
    let report = updater.integrate(
      count: scene.count, band: band, rays: .standard, budget: &budget, into: &cut
    ) { (scene[$0].x, scene[$0].y, scene[$0].z) }
    #expect(report.degradation == .freeSpaceTruncated)
    #expect(report.pointsSkipped == 0)
    #expect(report.freeSpaceReachMeters > 0 && report.freeSpaceReachMeters < 10)
    // Inside the reach, identical to the full update; every endpoint is there.
    let reachCells = Int(report.freeSpaceReachMeters / 0.1)
    for row in (101 - reachCells)..<(100 + reachCells) {
      for column in (101 - reachCells)..<(100 + reachCells) {
        #expect(cut.state(column: column, row: row) == full.state(column: column, row: row))
      }
    }
    #expect(cut.counts().occupied == full.counts().occupied)
    #expect(cut.cellCounts == cut.counts())
  }

  @Test func aBudgetSpentBeforeTheEndpointsSkipsPointsAndCountsThem() {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    var budget = WorkBudget(.workUnits(1500))
    let report = updater.integrate(
      count: scene.count, band: band, rays: .standard, budget: &budget, into: &grid
    ) { (scene[$0].x, scene[$0].y, scene[$0].z) }
    #expect(report.degradation == .pointsSkipped)
    #expect(report.pointsSkipped == scene.count - 2048)
    #expect(report.freeSpaceReachMeters == 0)
  }

  @Test func skippedFreeSpaceDoesNotLeakIntoTheNextFrame() {
    // A frame whose budget ran out among the endpoints casts no free space; a following frame
    // with no points (LiDAR silent) must not cast that frame's reach either.
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    var budget = WorkBudget(.workUnits(1500))
    _ = updater.integrate(
      count: scene.count, band: band, rays: .standard, budget: &budget, into: &grid
    ) {
      (scene[$0].x, scene[$0].y, scene[$0].z)
    }
    #expect(grid.counts().free == 0)
    let empty = updater.integrate(count: 0, band: band, rays: .standard, into: &grid) { _ in
      (0, 0, 0)
    }
    #expect(empty.degradation == .none)
    #expect(grid.counts().free == 0 && grid.cellCounts == grid.counts())
  }

  @Test func aWallClockBudgetStopsBeforeTheDeadline() {
    // A fake clock that advances 1 µs per reading: the budget sees time pass by checks.
    final class FakeClock: @unchecked Sendable { var now: Int64 = 0 }
    let clock = FakeClock()
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    var budget = WorkBudget(
      .wallClock(
        deadline: 40_000,
        clock: {
          clock.now += 1_000
          return clock.now
        }))
    let report = updater.integrate(
      count: scene.count, band: band, rays: .standard, budget: &budget, into: &grid
    ) { (scene[$0].x, scene[$0].y, scene[$0].z) }
    #expect(report.degradation != .none)
    #expect(clock.now <= 40_000)
  }

  @Test func theSameWorkBudgetGivesIdenticalCells() {
    var first = makeGrid()
    var second = makeGrid()
    var updaters = [
      LidarUpdater(geometry: first.geometry), LidarUpdater(geometry: second.geometry),
    ]
    for grid in [0, 1] {
      var budget = WorkBudget(.workUnits(scene.count + 20_000))
      if grid == 0 {
        _ = updaters[0].integrate(count: scene.count, band: band, budget: &budget, into: &first) {
          (scene[$0].x, scene[$0].y, scene[$0].z)
        }
      } else {
        _ = updaters[1].integrate(count: scene.count, band: band, budget: &budget, into: &second) {
          (scene[$0].x, scene[$0].y, scene[$0].z)
        }
      }
    }
    #expect(first.occupancyCells() == second.occupancyCells())
  }
}
