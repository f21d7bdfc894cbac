import Testing

@testable import SightlineGrid

@Suite struct LidarUpdaterTests {
  let scenes = (1...3 as ClosedRange<UInt64>).map { PolarRayCastingTests().randomScene(seed: $0) }

  /// One frame of a drive that scrolls, decays, switches casters and sometimes runs out of
  /// budget (points skipped, or nothing at all).
  func frame(
    _ number: Int, grid: inout OccupancyGrid, updater: inout LidarUpdater
  ) -> LidarUpdateReport {
    let scene = scenes[number % scenes.count]
    grid.recentre(x: Double(number % 4) * 0.37, y: -Double(number % 3) * 0.21)
    grid.decay(now: Int64(number) * 100_000_000, unknownAfterSeconds: 0.5)
    let units = [Int.max, 1500, Int.max, 0, Int.max, scene.count + 20_000][number % 6]
    var budget = units == .max ? WorkBudget.unlimited : WorkBudget(.workUnits(units))
    return updater.integrate(
      count: scene.count, band: band, rays: number % 4 == 1 ? .perPoint : .standard,
      budget: &budget, into: &grid
    ) { (scene[$0].x, scene[$0].y, scene[$0].z) }
  }

  func layers(_ grid: OccupancyGrid, _ updater: LidarUpdater) -> ([Int16], [UInt8]) {
    var logOdds = [Int16](repeating: 0, count: grid.geometry.cellCount)
    var source = [UInt8](repeating: 0, count: grid.geometry.cellCount)
    logOdds.withUnsafeMutableBufferPointer { grid.writeLogOdds(into: $0) }
    source.withUnsafeMutableBufferPointer { updater.writeSource(of: grid, into: $0) }
    return (logOdds, source)
  }

  /// Everything that outlives a frame is in the grid: an updater made afresh every frame
  /// gives the same cells, counts and reports as one kept for the whole drive.
  @Test func aFreshUpdaterEachFrameGivesTheSameMapAsAKeptOne() {
    var kept = makeGrid()
    var fresh = makeGrid()
    var keptUpdater = LidarUpdater(geometry: kept.geometry)
    for number in 0..<12 {
      var freshUpdater = LidarUpdater(geometry: fresh.geometry)
      let a = frame(number, grid: &kept, updater: &keptUpdater)
      let b = frame(number, grid: &fresh, updater: &freshUpdater)
      #expect(a == b)
      #expect(kept.cellCounts == fresh.cellCounts && kept.cellCounts == kept.counts())
      #expect(layers(kept, keptUpdater) == layers(fresh, freshUpdater))
    }
    #expect(kept.cellCounts.occupied > 0 && kept.cellCounts.free > 0)
  }

  /// Two grids driven in turn, each with its own updater, end as if each had been driven
  /// alone: no scratch is shared.
  @Test func twoUpdatersOnTwoGridsInTurnMatchEachAlone() {
    var alone = [makeGrid(), makeGrid()]
    for index in 0..<2 {
      var updater = LidarUpdater(geometry: alone[index].geometry)
      for number in 0..<8 { _ = frame(number + index, grid: &alone[index], updater: &updater) }
    }
    var first = makeGrid()
    var second = makeGrid()
    var firstUpdater = LidarUpdater(geometry: first.geometry)
    var secondUpdater = LidarUpdater(geometry: second.geometry)
    for number in 0..<8 {
      _ = frame(number, grid: &first, updater: &firstUpdater)
      _ = frame(number + 1, grid: &second, updater: &secondUpdater)
    }
    #expect(first.occupancyCells() == alone[0].occupancyCells())
    #expect(second.occupancyCells() == alone[1].occupancyCells())
    #expect(first.cellCounts == alone[0].cellCounts)
    #expect(second.cellCounts == alone[1].cellCounts)
  }

  /// The source layer: bit 0 observed (from the grid), bit 2 hit in the updater's last frame.
  @Test func theSourceLayerMarksOnlyTheLastFramesHits() {
    var grid = makeGrid()
    var updater = LidarUpdater(geometry: grid.geometry)
    updater.integrate([P(x: 2.05, y: 0.05, z: 0)], into: &grid, rays: .standard)
    var source = layers(grid, updater).1
    #expect(source[100 * 200 + 120] == 5)  // the wall: observed and hit now
    #expect(source[100 * 200 + 110] == 1)  // free on the way
    #expect(source[0] == 0)  // never seen
    updater.integrate([P(x: 0.05, y: 3.05, z: 0)], into: &grid, rays: .standard)
    source = layers(grid, updater).1
    #expect(source[100 * 200 + 120] == 1)  // still known, not hit this frame
    #expect(source[130 * 200 + 100] == 5)
    #expect(source.filter { $0 & 4 != 0 }.count == 1)
  }
}
