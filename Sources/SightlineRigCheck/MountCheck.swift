import Foundation

/// For two sensors that overlap, the residual between their ground planes and points in the
/// overlap: a check on the configured mounts, not an optimiser. Pure: points in, numbers out.
///
/// Both clouds are in the vehicle frame (x forward, y left, z up, metres), each moved there by
/// its configured mount. The ground under the vehicle is cut into square cells of `cellSize`;
/// in each cell a sensor's ground points are those within `groundBand` of its lowest point there
/// (so a car's roof or a wall does not count, and the cell's ground is what it sees lowest), and
/// the cell's ground is their mean. The OVERLAP is the cells where both sensors have at least
/// `minimumPointsPerCell` ground points. Each sensor's plane z = a·x + b·y + c is fitted to
/// its cells' means over the overlap, one cell one vote (so the denser sensor does not weigh
/// more), by least squares, then refitted `rejectionRounds` times without the cells farther
/// from it than 3 robust sigmas (1.4826 × the median absolute residual), or `rejectionFloor`
/// when that is larger (a curb, a car's underside). A wrong mount z shows as
/// `heightDifference`, a wrong pitch or roll as the tilts between the planes. Cells are taken
/// in a fixed order, so the same clouds give the same numbers.
public enum MountCheck {
  public struct Settings: Sendable, Equatable {
    public var cellSize: Float = 0.5
    public var groundBand: Float = 0.15
    public var minimumPointsPerCell = 3
    public var minimumOverlapCells = 12
    public var rejectionRounds = 2
    public var rejectionFloor = 0.05
    /// When set: only points within this of z = 0 may be ground (metres). In the vehicle frame
    /// the ground is z = 0 (REP 105 base_link), and far from a low sensor the lowest it sees in
    /// a cell may be a car's side or a wall, never the ground: without the window such cells
    /// vote (on the rig drive they lift a corner sensor's plane 0.4 m). A mount off by more
    /// than the window loses its cells: too little or no overlap, itself the finding.
    public var groundWindow: Float? = nil
    public init() {}

    /// For clouds in the vehicle frame of a real drive: ground points within 0.3 m of z = 0.
    public static var vehicleGround: Settings {
      var settings = Settings()
      settings.groundWindow = 0.3
      return settings
    }
  }

  /// z = a·x + b·y + c, in metres.
  public struct Plane: Sendable, Equatable {
    public var a: Double
    public var b: Double
    public var c: Double
    public func height(x: Double, y: Double) -> Double { a * x + b * y + c }
    /// The upward unit normal.
    public var normal: SIMD3<Double> {
      let n = SIMD3(-a, -b, 1)
      return n / (n * n).sum().squareRoot()
    }
    /// Signed distance of a point above the plane, along its normal.
    public func distance(_ p: SIMD3<Double>) -> Double {
      (p.z - height(x: p.x, y: p.y)) / (a * a + b * b + 1).squareRoot()
    }
  }

  public struct Result: Sendable, Equatable {
    /// Cells where both sensors have ground points.
    public var overlapCells: Int
    /// Of those, the cells each sensor's fit kept (its outliers rejected).
    public var firstInlierCells: Int
    public var secondInlierCells: Int
    public var first: Plane
    public var second: Plane
    /// The mean of the overlap cells' centres (x, y).
    public var centroid: SIMD2<Double>
    /// The second plane's height minus the first's at the centroid, metres.
    public var heightDifference: Double
    /// The angle between the planes' normals, degrees.
    public var tiltDifferenceDegrees: Double
    /// The second plane's slope along x minus the first's, as angles (degrees; positive: the
    /// second's ground rises more going forward), and along y (positive: rises more to the left).
    public var pitchDifferenceDegrees: Double
    public var rollDifferenceDegrees: Double
    /// RMS distance of the first sensor's ground points (in its kept cells) to the second's
    /// plane, and the other way round, metres.
    public var firstToSecondRMS: Double
    public var secondToFirstRMS: Double
    /// Each sensor's ground points against its own plane: the floor the two above compare with.
    public var firstOwnRMS: Double
    public var secondOwnRMS: Double

    public var summary: String {
      func f(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
      return "\(overlapCells) overlap cells; height \(f(heightDifference, 3)) m, tilt "
        + "\(f(tiltDifferenceDegrees, 2))° (pitch \(f(pitchDifferenceDegrees, 2))°, roll "
        + "\(f(rollDifferenceDegrees, 2))°); residual \(f(firstToSecondRMS, 3)) m / "
        + "\(f(secondToFirstRMS, 3)) m (own \(f(firstOwnRMS, 3)) m / \(f(secondOwnRMS, 3)) m)"
    }
  }

  public enum Failure: Error, Sendable, Equatable {
    /// No cell has ground points of both sensors.
    case noOverlap
    /// Too few cells in common to fit a plane that means something.
    case tooFewOverlapCells(found: Int, needed: Int)
    /// The overlap's cells lie along a line: a plane through them is not determined.
    case degenerateOverlap
  }

  /// Compares the ground the two sensors see where they overlap.
  public static func check(
    _ first: [SIMD3<Float>], _ second: [SIMD3<Float>], settings: Settings = Settings()
  ) throws(Failure) -> Result {
    let a = GroundCells(first, settings)
    let b = GroundCells(second, settings)
    let common = a.cells.keys.filter { b.cells[$0] != nil }.sorted()
    guard !common.isEmpty else { throw .noOverlap }
    guard common.count >= settings.minimumOverlapCells else {
      throw .tooFewOverlapCells(found: common.count, needed: settings.minimumOverlapCells)
    }
    let (planeA, keptA) = try fit(common.map { a.cells[$0]!.mean }, settings)
    let (planeB, keptB) = try fit(common.map { b.cells[$0]!.mean }, settings)
    let size = Double(settings.cellSize)
    let centres = common.map { SIMD2(Double($0.x) + 0.5, Double($0.y) + 0.5) * size }
    let centroid = centres.reduce(SIMD2<Double>.zero, +) / Double(centres.count)
    let (na, nb) = (planeA.normal, planeB.normal)
    let cross = SIMD3(
      na.y * nb.z - na.z * nb.y, na.z * nb.x - na.x * nb.z, na.x * nb.y - na.y * nb.x)
    let degrees = 180 / Double.pi
    let keptCellsA = Set(zip(common, keptA).filter(\.1).map(\.0))
    let keptCellsB = Set(zip(common, keptB).filter(\.1).map(\.0))
    return Result(
      overlapCells: common.count, firstInlierCells: keptCellsA.count,
      secondInlierCells: keptCellsB.count, first: planeA, second: planeB, centroid: centroid,
      heightDifference: planeB.height(x: centroid.x, y: centroid.y)
        - planeA.height(x: centroid.x, y: centroid.y),
      tiltDifferenceDegrees: atan2((cross * cross).sum().squareRoot(), (na * nb).sum()) * degrees,
      pitchDifferenceDegrees: (atan(planeB.a) - atan(planeA.a)) * degrees,
      rollDifferenceDegrees: (atan(planeB.b) - atan(planeA.b)) * degrees,
      firstToSecondRMS: a.rms(in: keptCellsA, to: planeB),
      secondToFirstRMS: b.rms(in: keptCellsB, to: planeA),
      firstOwnRMS: a.rms(in: keptCellsA, to: planeA),
      secondOwnRMS: b.rms(in: keptCellsB, to: planeB))
  }

  /// Least squares with rounds of outlier rejection; the plane and which points it kept.
  static func fit(_ points: [SIMD3<Double>], _ settings: Settings) throws(Failure) -> (
    Plane, [Bool]
  ) {
    var kept = Array(repeating: true, count: points.count)
    var plane = try leastSquares(points, kept)
    for _ in 0..<settings.rejectionRounds {
      let residuals = points.map { abs($0.z - plane.height(x: $0.x, y: $0.y)) }
      let sorted = zip(residuals, kept).filter(\.1).map(\.0).sorted()
      let sigma = 1.4826 * sorted[(sorted.count - 1) / 2]
      let limit = max(3 * sigma, settings.rejectionFloor)
      let next = residuals.map { $0 <= limit }
      guard next != kept, next.filter({ $0 }).count >= settings.minimumOverlapCells else { break }
      kept = next
      plane = try leastSquares(points, kept)
    }
    return (plane, kept)
  }

  /// z = a·x + b·y + c through the kept points, about their mean (for conditioning).
  static func leastSquares(_ points: [SIMD3<Double>], _ kept: [Bool]) throws(Failure) -> Plane {
    let used = zip(points, kept).filter(\.1).map(\.0)
    let mean = used.reduce(SIMD3<Double>.zero, +) / Double(used.count)
    var (sxx, sxy, syy, sxz, syz) = (0.0, 0.0, 0.0, 0.0, 0.0)
    for p in used {
      let d = p - mean
      sxx += d.x * d.x
      sxy += d.x * d.y
      syy += d.y * d.y
      sxz += d.x * d.z
      syz += d.y * d.z
    }
    let determinant = sxx * syy - sxy * sxy
    guard determinant > 1e-9 * max(sxx * syy, 1e-12) else { throw .degenerateOverlap }
    let a = (sxz * syy - syz * sxy) / determinant
    let b = (syz * sxx - sxz * sxy) / determinant
    return Plane(a: a, b: b, c: mean.z - a * mean.x - b * mean.y)
  }
}

extension MountCheck {
  /// One sensor's ground per cell: the points within the band of the cell's lowest.
  struct GroundCells {
    struct Cell: Hashable, Comparable {
      var x: Int32
      var y: Int32
      static func < (l: Cell, r: Cell) -> Bool { (l.x, l.y) < (r.x, r.y) }
    }
    struct Ground {
      var sum = SIMD3<Double>.zero
      var count = 0
      var mean: SIMD3<Double> { sum / Double(count) }
    }
    let points: [SIMD3<Float>]
    let settings: MountCheck.Settings
    let lowest: [Cell: Float]
    /// Cells with at least `minimumPointsPerCell` ground points.
    let cells: [Cell: Ground]

    init(_ points: [SIMD3<Float>], _ settings: MountCheck.Settings) {
      self.settings = settings
      var lowest: [Cell: Float] = [:]
      let window = settings.groundWindow ?? .infinity
      let points = points.filter {
        $0.x.isFinite && $0.y.isFinite && $0.z.isFinite && abs($0.z) <= window
      }
      for p in points {
        let cell = Self.cell(p, settings.cellSize)
        lowest[cell] = min(lowest[cell] ?? .infinity, p.z)
      }
      var cells: [Cell: Ground] = [:]
      for p in points where p.x.isFinite && p.y.isFinite && p.z.isFinite {
        let cell = Self.cell(p, settings.cellSize)
        guard p.z <= lowest[cell]! + settings.groundBand else { continue }
        cells[cell, default: Ground()].sum += SIMD3<Double>(p)
        cells[cell, default: Ground()].count += 1
      }
      self.points = points
      self.lowest = lowest
      self.cells = cells.filter { $0.value.count >= settings.minimumPointsPerCell }
    }

    static func cell(_ p: SIMD3<Float>, _ size: Float) -> Cell {
      let limit = Float(Int32.max / 2)
      return Cell(
        x: Int32(max(-limit, min(limit, (p.x / size).rounded(.down)))),
        y: Int32(max(-limit, min(limit, (p.y / size).rounded(.down)))))
    }

    /// RMS distance to `plane` of the ground points in `kept` cells, in the points' order.
    func rms(in kept: Set<Cell>, to plane: MountCheck.Plane) -> Double {
      var sum = 0.0
      var count = 0
      for p in points where p.x.isFinite && p.y.isFinite && p.z.isFinite {
        let cell = Self.cell(p, settings.cellSize)
        guard kept.contains(cell), p.z <= lowest[cell]! + settings.groundBand else { continue }
        let distance = plane.distance(SIMD3<Double>(p))
        sum += distance * distance
        count += 1
      }
      return count > 0 ? (sum / Double(count)).squareRoot() : .nan
    }
  }
}
