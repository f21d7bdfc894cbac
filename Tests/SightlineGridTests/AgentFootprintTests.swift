import SightlineScenario  // SeededRandom: the same samples on every machine
import Testing

@testable import SightlineGrid

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// A 20 m × 20 m window of 0.1 m cells: column c covers x in [0.1c, 0.1c + 0.1).
private let grid = GridGeometry(columns: 200, rows: 200, resolution: 0.1)

private struct Cell: Hashable {
  var column: Int
  var row: Int
}

/// Everything one paint call reported, checked for the contract on the way in.
private struct Painting {
  var cells: [Cell: Float]
  var returned: Int

  subscript(_ column: Int, _ row: Int) -> Float? { cells[Cell(column: column, row: row)] }
  /// Same cells, same probabilities (a Bool, so a failure does not print thousands of cells).
  func matches(_ other: Painting) -> Bool { cells == other.cells }
  var mass: Double { cells.values.reduce(0) { $0 + Double($1) } }
  var peak: Float { cells.values.max() ?? 0 }
  func cells(atLeast threshold: Float) -> [Cell] {
    cells.filter { $0.value >= threshold }.map(\.key)
  }
  /// Columns and rows spanned by the cells with p >= threshold.
  func box(atLeast threshold: Float = FootprintPainter.minimumProbability) -> (
    columns: ClosedRange<Int>, rows: ClosedRange<Int>
  )? {
    let chosen = cells(atLeast: threshold)
    guard let c0 = chosen.map(\.column).min(), let c1 = chosen.map(\.column).max(),
      let r0 = chosen.map(\.row).min(), let r1 = chosen.map(\.row).max()
    else { return nil }
    return (c0...c1, r0...r1)
  }
}

private func paint(
  _ footprint: AgentFootprint, on geometry: GridGeometry = grid,
  sourceLocation: SourceLocation = #_sourceLocation
) -> Painting {
  var cells: [Cell: Float] = [:]
  var calls = 0
  var duplicates = 0
  var outside = 0
  var badProbabilities = 0
  let returned = FootprintPainter.paint(footprint, on: geometry) { column, row, p in
    calls += 1
    if column < 0 || column >= geometry.columns || row < 0 || row >= geometry.rows {
      outside += 1
    }
    if !(p > 0 && p <= 1 && p >= FootprintPainter.minimumProbability) { badProbabilities += 1 }
    if cells.updateValue(p, forKey: Cell(column: column, row: row)) != nil { duplicates += 1 }
  }
  #expect(returned == calls, sourceLocation: sourceLocation)
  #expect(duplicates == 0, sourceLocation: sourceLocation)
  #expect(outside == 0, sourceLocation: sourceLocation)
  #expect(badProbabilities == 0, sourceLocation: sourceLocation)
  return Painting(cells: cells, returned: returned)
}

private func agent(
  x: Float = 10, y: Float = 10, heading: Float = 0, _ shape: AgentShape,
  sigma: Float = 0
) -> AgentFootprint {
  AgentFootprint(
    x: x, y: y, heading: heading, shape: shape, covarianceXX: sigma * sigma, covarianceXY: 0,
    covarianceYY: sigma * sigma)
}

private let car = AgentShape.rectangle(length: 4, width: 2)

/// Exact P(|centre + N(0, σ²I) − cell| ≤ R) for a cell at distance d: polar midpoint quadrature.
private func exactDisc(distance d: Double, radius: Double, sigma: Double) -> Double {
  let radialSteps = 400
  let angularSteps = 256
  let dr = radius / Double(radialSteps)
  let dTheta = 2 * Double.pi / Double(angularSteps)
  var total = 0.0
  for i in 0..<radialSteps {
    let r = (Double(i) + 0.5) * dr
    for j in 0..<angularSteps {
      let theta = (Double(j) + 0.5) * dTheta
      let squared = r * r + d * d - 2 * r * d * cos(theta)
      total += exp(-squared / (2 * sigma * sigma)) * r
    }
  }
  return total * dr * dTheta / (2 * Double.pi * sigma * sigma)
}

@Suite struct AgentFootprintTests {
  @Test func crispAxisAlignedRectangleCoversItsCells() {
    // 4 m × 2 m centred at (10, 10): x in [8, 12], y in [9, 11]: columns 80...119, rows 90...109.
    let painting = paint(agent(car))
    let solid = painting.cells(atLeast: 0.5)
    #expect(solid.count == 800)
    #expect(solid.allSatisfy { (80...119).contains($0.column) && (90...109).contains($0.row) })
    for column in 83...116 {
      for row in 93...106 { #expect((painting[column, row] ?? 0) > 0.999) }
    }
    // 1 m outside each side: never visited; nothing visited beyond 0.25 m from the edge.
    for (column, row) in [(69, 100), (130, 100), (100, 79), (100, 120), (69, 79)] {
      #expect(painting[column, row] == nil)
    }
    let box = painting.box()
    #expect(box.map { $0.columns.clamped(to: 78...121) == $0.columns } == true)
    #expect(box.map { $0.rows.clamped(to: 88...111) == $0.rows } == true)
    #expect(abs(painting.mass - 800) < 8)
  }

  @Test func quarterTurnSwapsExtentsAndHalfTurnChangesNothing() {
    let east = paint(agent(heading: 0, car))
    let north = paint(agent(heading: .pi / 2, car))
    let west = paint(agent(heading: .pi, car))
    #expect(north.cells(atLeast: 0.5).count == 800)
    let eastBox = east.box(atLeast: 0.5)
    let northBox = north.box(atLeast: 0.5)
    #expect(eastBox?.columns == 80...119 && eastBox?.rows == 90...109)
    #expect(northBox?.columns == 90...109 && northBox?.rows == 80...119)
    #expect(west.cells.count == east.cells.count)
    for (cell, p) in east.cells { #expect(abs((west.cells[cell] ?? 0) - p) < 1e-4) }
  }

  @Test func thirtyDegreesMatchesTheRotatedRectangle() {
    let heading = Double.pi / 6
    let painting = paint(agent(heading: Float(heading), car))
    var checkedInside = 0
    var checkedOutside = 0
    for row in 60..<140 {
      for column in 60..<140 {
        let dx = (Double(column) + 0.5) * 0.1 - 10
        let dy = (Double(row) + 0.5) * 0.1 - 10
        let s = cos(heading) * dx + sin(heading) * dy
        let t = -sin(heading) * dx + cos(heading) * dy
        let inside = min(2 - abs(s), 1 - abs(t))  // > 0: inside, by that margin
        let p = painting[column, row]
        // σ is 0.05 m here: one σ inside (even at a corner) is > 0.5, one σ outside < 0.5.
        if inside >= 0.05 {
          #expect((p ?? 0) > 0.5, "inside cell \(column), \(row)")
          checkedInside += 1
        } else if inside <= -0.05 {
          #expect((p ?? 0) < 0.5, "outside cell \(column), \(row)")
          checkedOutside += 1
        }
        if inside < -0.3 { #expect(p == nil, "far cell \(column), \(row)") }
      }
    }
    #expect(checkedInside > 650)
    #expect(checkedOutside > 5000)
  }

  @Test(arguments: [Float(0), 0.3, 1.2])
  func rectangleMassIsItsArea(heading: Float) {
    // Convolution keeps the mass: Σ p ≈ 8 m² / 0.01 m² = 800 cells (minus the skipped tail).
    let painting = paint(agent(heading: heading, car, sigma: 0.5))
    #expect(abs(painting.mass / 800 - 1) < 0.03, "mass \(painting.mass)")
    #expect(painting.peak < 0.99)
  }

  @Test(arguments: [Float(1), 1.5, 3])
  func discMassIsItsArea(radius: Float) {
    let painting = paint(agent(.disc(radius: radius), sigma: 0.5))
    let area = Double.pi * Double(radius * radius) / 0.01
    #expect(abs(painting.mass / area - 1) < 0.03, "mass \(painting.mass) of \(area)")
  }

  @Test(arguments: [(Float(0.25), Float(0.5)), (0.5, 0.5), (1, 0.5), (2, 0.5), (0.4, 0.05)])
  func discFollowsTheExactConvolution(radius: Float, sigma: Float) {
    // The agent sits on the centre of cell (100, 100); walk east along its row.
    let painting = paint(agent(x: 10.05, y: 10.05, .disc(radius: radius), sigma: sigma))
    let effectiveSigma = max(sigma, 0.05)
    for k in 0...40 {
      let exact = exactDisc(
        distance: Double(k) * 0.1, radius: Double(radius), sigma: Double(effectiveSigma))
      let painted = Double(painting[100 + k, 100] ?? 0)
      // Unvisited cells are below minimumProbability; the profile is within 0.03 elsewhere.
      #expect(abs(painted - exact) < 0.03, "d = \(Double(k) * 0.1): \(painted) vs \(exact)")
    }
  }

  @Test func smallDiscAgainstWideUncertaintyPaintsLittle() {
    // A pedestrian (0.3 m) with a 3 m σ: the true chance of covering any one point is < 1 %.
    // The plain Φ((R − d)/σ) would paint 0.54 at the centre and ≥ 0.02 over ~130 m².
    let painting = paint(agent(.disc(radius: 0.3), sigma: 3))
    #expect(painting.returned == 0)
    let lessSure = paint(agent(.disc(radius: 0.3), sigma: 0.3))
    #expect(lessSure.peak > 0.35 && lessSure.peak < 0.45)  // exact: 1 − e^(−1/2) = 0.393
  }

  /// The presence region holds the agent's centre with probability 0.75 however wide its
  /// uncertainty: sampled centres land in it about that often (a pedestrian paints nothing at
  /// σ = 2 m, yet the region says where she is three times in four).
  @Test(arguments: [
    (AgentShape.disc(radius: 0.25), Float(2)), (.disc(radius: 0.25), Float(0.5)), (car, Float(1.2)),
  ])
  func thePresenceRegionHoldsTheAgentThreeTimesInFour(_ shape: AgentShape, _ sigma: Float) {
    let footprint = agent(heading: 0.4, shape, sigma: sigma)
    var region = Set<Cell>()
    let returned = FootprintPainter.presence(footprint, on: grid) {
      region.insert(Cell(column: $0, row: $1))
    }
    #expect(returned == region.count && returned > 0)
    var random = SeededRandom(seed: 7)
    var inside = 0
    var whollyInside = 0
    let samples = 20_000
    for _ in 0..<samples {
      let x = 10 + sigma * Float(random.normal())
      let y = 10 + sigma * Float(random.normal())
      let cell = Cell(column: Int(x / 0.1), row: Int(y / 0.1))
      if region.contains(cell) { inside += 1 }
      // The footprint's own cells at that centre all in the region.
      var moved = footprint
      (moved.x, moved.y, moved.covarianceXX, moved.covarianceYY) = (x, y, 0, 0)
      var all = true
      FootprintPainter.paint(moved, on: grid) { column, row, p in
        if p >= 0.5, !region.contains(Cell(column: column, row: row)) { all = false }
      }
      if all { whollyInside += 1 }
    }
    let share = Double(inside) / Double(samples)
    let wholly = Double(whollyInside) / Double(samples)
    // The centre: at least 0.75 (a footprint wider than a cell only adds to it).
    #expect(share >= 0.74 && share <= (sigma >= 2 ? 0.85 : 1), "\(share)")
    #expect(wholly >= 0.72, "\(wholly)")
  }

  @Test func widerCovarianceLowersThePeakAndWidensTheSupport() {
    for shape in [car, .disc(radius: 1)] {
      let sharp = paint(agent(shape, sigma: 0.2))
      let vague = paint(agent(shape, sigma: 1.5))
      #expect(sharp.peak > 0.99)
      #expect(vague.peak < 0.75)
      #expect(vague.returned > sharp.returned)
      let sharpBox = sharp.box()
      let vagueBox = vague.box()
      #expect(vagueBox!.columns.count > sharpBox!.columns.count + 20)
      #expect(vagueBox!.rows.count > sharpBox!.rows.count + 20)
    }
  }

  @Test func sigmaBeyondTheMaximumIsClamped() {
    let limit = FootprintPainter.maximumSigma
    for shape in [car, .disc(radius: 1)] {
      let atLimit = paint(agent(heading: 0.4, shape, sigma: limit))
      #expect(atLimit.returned > 0)
      for sigma in [limit * 1.5, 100] {
        let beyond = paint(agent(heading: 0.4, shape, sigma: sigma))
        #expect(beyond.matches(atLimit))
      }
      // Per axis: a huge east variance (the car's length) is clamped, the north one kept.
      let anisotropic = AgentFootprint(
        x: 10, y: 10, heading: 0, shape: shape, covarianceXX: 1e6, covarianceXY: 0,
        covarianceYY: 0.04)
      let clamped = AgentFootprint(
        x: 10, y: 10, heading: 0, shape: shape, covarianceXX: limit * limit,
        covarianceXY: 0, covarianceYY: 0.04)
      #expect(paint(anisotropic).matches(paint(clamped)))
    }
  }

  @Test func covarianceIsProjectedOntoTheAgentsAxes() {
    // σ = 1 m east, none north. Heading east: it blurs the length; heading north, the width.
    func blurred(heading: Float) -> AgentFootprint {
      AgentFootprint(
        x: 10, y: 10, heading: heading, shape: car, covarianceXX: 1, covarianceXY: 0,
        covarianceYY: 0)
    }
    let east = paint(blurred(heading: 0)).box()!
    let north = paint(blurred(heading: .pi / 2)).box()!
    // Length 4 m + 2 × 2.05 σ east, 2 m + a cell's crisp edge north; and the other way round.
    #expect((78...82).contains(east.columns.count) && (20...22).contains(east.rows.count))
    #expect((58...62).contains(north.columns.count) && (40...42).contains(north.rows.count))
    // Correlated: variance 1 m² along the north-east diagonal only. Cell (124, 124) is 3.46 m
    // up that diagonal: past the end of a car heading north-east (σ 1 m along, p = Φ(−1.46)),
    // and far beside a car heading south-east (σ 1 m across, p = Φ(−2.46) < 0.02).
    func correlated(heading: Float) -> AgentFootprint {
      AgentFootprint(
        x: 10, y: 10, heading: heading, shape: car, covarianceXX: 0.5, covarianceXY: 0.5,
        covarianceYY: 0.5)
    }
    let alongDiagonal = paint(correlated(heading: .pi / 4))
    let acrossDiagonal = paint(correlated(heading: -.pi / 4))
    let s = 2.45 * 2.0.squareRoot()
    let expected = 0.5 * erfc(-(2 - s) / 2.0.squareRoot())
    #expect(abs(Double(alongDiagonal[124, 124] ?? 0) - expected) < 1e-3)
    #expect(acrossDiagonal[124, 124] == nil)
    #expect(abs(alongDiagonal.mass / 800 - 1) < 0.03)
    #expect(abs(acrossDiagonal.mass / 800 - 1) < 0.03)
  }

  @Test func crispDiscIsSolidInsideAndHalfOnTheRim() {
    // Radius 0.4 m on the centre of cell (100, 100); σ clamps to 0.05 m.
    let painting = paint(agent(x: 10.05, y: 10.05, .disc(radius: 0.4)))
    #expect((painting[100, 100] ?? 0) > 0.99)
    #expect((painting[102, 101] ?? 0) > 0.99)  // 0.22 m out
    for (column, row) in [(104, 100), (96, 100), (100, 104), (100, 96)] {  // 0.4 m: the rim
      let p = painting[column, row] ?? 0
      #expect(p > 0.35 && p < 0.65, "rim \(column), \(row): \(p)")
    }
    #expect(painting[106, 100] == nil)  // 0.6 m
    let solid = painting.cells(atLeast: 0.5).count
    #expect((40...60).contains(solid))  // π · 0.4² / 0.01 = 50
  }

  @Test func footprintPartlyOutsideTheWindowIsClipped() {
    // x in [-1.5, 2.5]: only columns 0...24 are in the window.
    let left = paint(agent(x: 0.5, car))
    #expect(left.cells(atLeast: 0.5).count == 500)
    #expect(left.box(atLeast: 0.5)?.columns == 0...24)
    // Corners, rotated and vague, on every side.
    for (x, y) in [(Float(19.9), Float(19.9)), (0.1, 19.9), (19.9, 0.1), (0.1, 0.1)] {
      let corner = paint(agent(x: x, y: y, heading: 0.8, car, sigma: 1))
      #expect(corner.returned > 100)
      let disc = paint(agent(x: x, y: y, .disc(radius: 0.5), sigma: 1))
      #expect(disc.returned > 20)
    }
  }

  @Test func footprintEntirelyOutsideTheWindowPaintsNothing() {
    let far: [AgentFootprint] = [
      agent(x: -10, car), agent(x: 30, y: 5, car), agent(x: 10, y: -3, .disc(radius: 0.5)),
      agent(x: 1e30, y: -1e30, heading: 1, car, sigma: 3),
      agent(x: .greatestFiniteMagnitude, y: -.greatestFiniteMagnitude, .disc(radius: 2)),
    ]
    for footprint in far {
      let painting = paint(footprint)
      #expect(painting.returned == 0 && painting.cells.isEmpty)
    }
  }

  @Test func invalidInputsPaintNothing() {
    let base = agent(car, sigma: 0.5)
    var invalid: [AgentFootprint] = []
    for change: (inout AgentFootprint) -> Void in [
      { $0.x = .nan }, { $0.y = .infinity }, { $0.heading = .nan }, { $0.heading = -.infinity },
      { $0.covarianceXX = .infinity }, { $0.covarianceXY = .nan }, { $0.covarianceYY = -1 },
      { $0.covarianceXX = -0.1 }, { $0.shape = .rectangle(length: -4, width: 2) },
      { $0.shape = .rectangle(length: 4, width: 0) },
      { $0.shape = .rectangle(length: .infinity, width: 2) },
      { $0.shape = .rectangle(length: 4, width: .nan) }, { $0.shape = .disc(radius: -1) },
      { $0.shape = .disc(radius: 0) }, { $0.shape = .disc(radius: .nan) },
      { $0.shape = .disc(radius: .infinity) },
    ] {
      var footprint = base
      change(&footprint)
      invalid.append(footprint)
    }
    for footprint in invalid {
      let painting = paint(footprint)
      #expect(painting.returned == 0 && painting.cells.isEmpty, "\(footprint)")
    }
    for geometry in [
      GridGeometry(columns: 0, rows: 200, resolution: 0.1),
      GridGeometry(columns: 200, rows: -1, resolution: 0.1),
      GridGeometry(columns: 200, rows: 200, resolution: 0),
      GridGeometry(columns: 200, rows: 200, resolution: .nan),
      GridGeometry(columns: 200, rows: 200, resolution: .infinity),
    ] {
      #expect(paint(base, on: geometry).returned == 0)
    }
  }

  @Test func extremeButValidInputsTerminate() {
    // A footprint far larger than the window covers every cell once.
    let huge = paint(agent(.rectangle(length: 1e30, width: 1e30), sigma: 1))
    #expect(huge.returned == grid.cellCount && huge.peak == 1)
    #expect(paint(agent(.disc(radius: 1e30))).returned == grid.cellCount)
    // A covariance that is not positive semi-definite still paints a bounded, sane footprint.
    let skewed = AgentFootprint(
      x: 10, y: 10, heading: 0.2, shape: car, covarianceXX: 1, covarianceXY: 5,
      covarianceYY: 1)
    #expect(paint(skewed).returned > 0)
    // Tiny and coarse grids, tiny footprints.
    #expect(paint(agent(.disc(radius: 1e-20))).returned == 0)
    let coarse = GridGeometry(columns: 3, rows: 3, resolution: 10)
    #expect(paint(agent(x: 15, y: 15, car), on: coarse).returned == 1)
    let fine = GridGeometry(columns: 10, rows: 10, resolution: 1e-6)
    #expect(paint(agent(x: 5e-6, y: 5e-6, car), on: fine).returned == 100)
  }

  @Test func normalCDFTableMatchesErf() {
    // 160 001 points over [−8, 8], off the table's own grid, plus its tails.
    var worst: Double = 0
    var previous: Float = 0
    var decreasing = 0
    for i in 0...160_000 {
      let z = Float(-8 + 16 * Double(i) / 160_000)
      let exact = 0.5 * erfc(-Double(z) / 2.0.squareRoot())
      let table = FootprintPainter.normalCDF(z)
      worst = max(worst, abs(Double(table) - exact))
      if table < previous { decreasing += 1 }
      previous = table
    }
    #expect(worst <= 1e-4, "worst error \(worst)")
    #expect(decreasing == 0)
    #expect(FootprintPainter.normalCDF(.nan) == 0)
    #expect(FootprintPainter.normalCDF(.infinity) == 1)
    #expect(FootprintPainter.normalCDF(-.infinity) == 0)
  }

  /// This thread's heap allocations when Tools/bench/malloc_count.c is preloaded (LD_PRELOAD).
  private static let allocationCount: (@convention(c) () -> UInt)? = {
    guard
      let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sightline_thread_malloc_count")
    else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) () -> UInt).self)
  }()

  @Test(.enabled(if: allocationCount != nil, "needs Tools/bench/malloc_count.c preloaded"))
  func paintingDoesNotAllocate() throws {
    let count = try #require(Self.allocationCount)
    let vehicle = agent(heading: 0.5, car, sigma: 0.7)
    let pedestrian = agent(.disc(radius: 0.4), sigma: 0.3)
    var mass: Float = 0
    var cells = 0
    FootprintPainter.paint(vehicle, on: grid) { _, _, p in mass += p }  // builds Φ's table
    // The calling thread's allocations only (other tests run in parallel); the quietest of a
    // few rounds, as the test runner itself may allocate on this thread between them.
    var fewest = UInt.max
    for _ in 0..<10 {
      let before = count()
      cells += FootprintPainter.paint(vehicle, on: grid) { _, _, p in mass += p }
      cells += FootprintPainter.paint(pedestrian, on: grid) { _, _, p in mass += p }
      fewest = min(fewest, count() - before)
    }
    #expect(fewest == 0)
    #expect(cells > 10 * 1000 && mass > 0)
  }
}
