// AgentFootprint: one V2X agent (extrapolated position with covariance) painted as per-cell
// occupancy probabilities on a grid window. Pure and allocation-free per call: the V2X layer
// paints every live agent every frame, inside the frame budget.
//
// Probability model. The agent's true centre is Gaussian around (x, y) with covariance Σ; the
// probability that a cell is occupied is P(the cell centre lies inside the footprint), which is
// the footprint's indicator convolved with that Gaussian.
//
// - Rectangle (vehicle): Σ is projected onto the agent's axes, σ_along² = uᵀΣu and
//   σ_across² = vᵀΣv with u = (cos h, sin h), v = (−sin h, cos h). The cross term uᵀΣv is
//   ignored, which makes the convolution separable:
//     p = [Φ((a − s)/σa) − Φ((−a − s)/σa)] · [Φ((b − t)/σb) − Φ((−b − t)/σb)]
//   with (s, t) the cell centre in agent coordinates and a, b the half length and half width.
//   Exact when Σ is aligned with the agent; otherwise an approximation. Mass (Σ p · cell area)
//   equals the footprint area either way.
// - Disc (pedestrian, cyclist): Σ is made isotropic with σ² = its largest eigenvalue
//   (conservative). The exact disc ⊛ Gaussian has no closed form (a Marcum Q function), so
//   p(d) ≈ g · Φ(μ − d/σ), d the distance to the centre, an approximation. The plain
//   Φ((R − d)/σ) overstates the mass by σ²/R² and is badly wrong for R ≲ σ: a 0.3 m pedestrian
//   with σ = 3 m would get p = 0.54 at its centre (truly 0.005) and p ≥ 0.02 over 130 m². So μ
//   and g are fitted once per agent to the exact centre value 1 − e^(−R²/2σ²) and the exact
//   mass πR²; that stays within 0.03 of the exact convolution (checked numerically for R/σ
//   from 0.1 to 40), and for R ≫ σ it is Φ((√(R² − σ²) − d)/σ) ≈ Φ((R − d)/σ).
//
// Each σ is clamped to [resolution / 2, maximumSigma]: the lower bound gives a zero covariance a
// crisp but well-defined edge, the upper bound caps the painted area. Cells are visited only
// inside the footprint grown by 2.1σ (past 2.054σ p < 0.02 = minimumProbability, so a 4σ
// bound would visit the same cells) and clipped to the window; cells with p below
// minimumProbability are skipped. Φ comes from a table built once (erfc) and interpolated.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The shape an agent occupies, from its V2X message's size fields (or a class default).
public enum AgentShape: Sendable, Equatable {
  /// Vehicle: oriented rectangle, full length along its heading and full width across, metres.
  case rectangle(length: Float, width: Float)
  /// Pedestrian or cyclist: disc of this radius, metres.
  case disc(radius: Float)
}

/// One agent as the grid sees it: where it probably is, how it is oriented, and how sure we are.
public struct AgentFootprint: Sendable, Equatable {
  /// Centre, window metres east of the corner of cell (0, 0).
  public var x: Float
  /// Centre, window metres north of the corner of cell (0, 0).
  public var y: Float
  /// Radians, ENU yaw: 0 faces +x (east), counter-clockwise positive. Unused by discs.
  public var heading: Float
  public var shape: AgentShape
  /// Position covariance, m²: the extrapolation's uncertainty spreads the footprint.
  public var covarianceXX: Float
  /// East-north covariance, m².
  public var covarianceXY: Float
  /// North variance, m².
  public var covarianceYY: Float

  public init(
    x: Float, y: Float, heading: Float, shape: AgentShape,
    covarianceXX: Float, covarianceXY: Float, covarianceYY: Float
  ) {
    self.x = x
    self.y = y
    self.heading = heading
    self.shape = shape
    self.covarianceXX = covarianceXX
    self.covarianceXY = covarianceXY
    self.covarianceYY = covarianceYY
  }
}

/// Paints agent footprints as occupancy probabilities; see the file header for the model.
public enum FootprintPainter {
  /// Largest standard deviation used (metres): bigger uncertainty is clamped so that one agent
  /// paints a bounded area (the per-frame budget depends on it).
  public static let maximumSigma: Float = 3
  /// Probabilities below this are not visited.
  public static let minimumProbability: Float = 0.02

  /// Visits every cell of `geometry` where P(agent covers the cell centre) >=
  /// minimumProbability, calling visit(column, row, probability) once per cell, probability in
  /// (0, 1]. Cells outside the window are skipped. Returns the number of cells visited. No heap
  /// allocation. Non-finite inputs, negative variances and non-positive sizes paint nothing.
  @discardableResult
  public static func paint(
    _ footprint: AgentFootprint, on geometry: GridGeometry, visit: (Int, Int, Float) -> Void
  ) -> Int {
    let f = footprint
    guard paintable(f, on: geometry) else { return 0 }
    return cdfTable.withUnsafeBufferPointer { table in
      let cdf = NormalCDF(table: table)
      switch f.shape {
      case .rectangle(let length, let width):
        guard length.isFinite, width.isFinite, length > 0, width > 0 else { return 0 }
        return paintRectangle(
          f, halfLength: length / 2, halfWidth: width / 2, geometry, cdf, visit)
      case .disc(let radius):
        guard radius.isFinite, radius > 0 else { return 0 }
        return paintDisc(f, radius: radius, geometry, cdf, visit)
      }
    }
  }

  /// Mahalanobis² of the presence region: the centre lies inside it with probability
  /// 1 − e^(−k²/2) = `presenceConfidence` (a 2-D Gaussian).
  public static let presenceConfidence: Float = 0.75
  static let presenceMahalanobisSquared: Float = -2 * logf(1 - presenceConfidence)

  /// Visits every cell of the agent's presence region: the cells its footprint covers when its
  /// centre lies anywhere in the centre's `presenceConfidence` ellipse (each σ clamped as for
  /// painting). The agent lies wholly inside the region with at least that probability, however
  /// wide its uncertainty, where `paint`'s per-cell probabilities of a small agent with a wide
  /// ellipse can all be tiny. A cell belongs when the point of the footprint nearest its centre
  /// is within the ellipse of it. Returns the number of cells visited; no heap allocation.
  @discardableResult
  public static func presence(
    _ footprint: AgentFootprint, on geometry: GridGeometry, visit: (Int, Int) -> Void
  ) -> Int {
    let f = footprint
    guard paintable(f, on: geometry) else { return 0 }
    let (halfLength, halfWidth, radius): (Float, Float, Float)
    switch f.shape {
    case .rectangle(let length, let width):
      guard length.isFinite, width.isFinite, length > 0, width > 0 else { return 0 }
      (halfLength, halfWidth, radius) = (length / 2, width / 2, 0)
    case .disc(let r):
      guard r.isFinite, r > 0 else { return 0 }
      (halfLength, halfWidth, radius) = (0, 0, r)
    }
    // Σ with its eigenvalues clamped as painting clamps σ, then inverted.
    let mean = (f.covarianceXX + f.covarianceYY) / 2
    let half = (f.covarianceXX - f.covarianceYY) / 2
    let spread = (half * half + f.covarianceXY * f.covarianceXY).squareRoot()
    let low = Swift.min(geometry.resolution / 2, maximumSigma)
    let large = Swift.min(Swift.max((mean + spread).squareRoot(), low), maximumSigma)
    let small = Swift.min(Swift.max((Swift.max(mean - spread, 0)).squareRoot(), low), maximumSigma)
    let angle = 0.5 * atan2(2 * f.covarianceXY, f.covarianceXX - f.covarianceYY)
    let (ca, sa) = (cos(angle), sin(angle))
    let (inverseLarge, inverseSmall) = (1 / (large * large), 1 / (small * small))
    let k2 = presenceMahalanobisSquared
    let c = cos(f.heading)
    let sn = sin(f.heading)
    let reach = (halfLength * halfLength + halfWidth * halfWidth).squareRoot() + radius
    let extent = reach + k2.squareRoot() * large
    let res = geometry.resolution
    let rows = indexRange(f.y - extent, f.y + extent, resolution: res, count: geometry.rows)
    let columns = indexRange(f.x - extent, f.x + extent, resolution: res, count: geometry.columns)
    var visited = 0
    for row in rows {
      let dy = (Float(row) + 0.5) * res - f.y
      for column in columns {
        let dx = (Float(column) + 0.5) * res - f.x
        // From the nearest point of the footprint to the cell centre, in east/north.
        var ex: Float
        var ey: Float
        if radius > 0 {
          let d = (dx * dx + dy * dy).squareRoot()
          let shrink = d > radius ? (d - radius) / d : 0
          (ex, ey) = (dx * shrink, dy * shrink)
        } else {
          let s = c * dx + sn * dy
          let t = -sn * dx + c * dy
          let es = s - Swift.min(Swift.max(s, -halfLength), halfLength)
          let et = t - Swift.min(Swift.max(t, -halfWidth), halfWidth)
          (ex, ey) = (c * es - sn * et, sn * es + c * et)
        }
        let u = ca * ex + sa * ey
        let v = -sa * ex + ca * ey
        guard u * u * inverseLarge + v * v * inverseSmall <= k2 else { continue }
        visit(column, row)
        visited += 1
      }
    }
    return visited
  }

  // MARK: Shapes

  private static func paintRectangle(
    _ f: AgentFootprint, halfLength a: Float, halfWidth b: Float, _ geometry: GridGeometry,
    _ cdf: NormalCDF, _ visit: (Int, Int, Float) -> Void
  ) -> Int {
    let c = cos(f.heading)
    let sn = sin(f.heading)
    let varAlong = c * c * f.covarianceXX + 2 * c * sn * f.covarianceXY + sn * sn * f.covarianceYY
    let varAcross =
      sn * sn * f.covarianceXX - 2 * c * sn * f.covarianceXY + c * c * f.covarianceYY
    let sigmaAlong = clampedSigma(variance: varAlong, resolution: geometry.resolution)
    let sigmaAcross = clampedSigma(variance: varAcross, resolution: geometry.resolution)
    let inverseAlong = 1 / sigmaAlong
    let inverseAcross = 1 / sigmaAcross
    // Grown half extents in agent coordinates, and their axis-aligned bounding box.
    let grownA = a + supportSigmas * sigmaAlong
    let grownB = b + supportSigmas * sigmaAcross
    let halfY = abs(sn) * grownA + abs(c) * grownB
    let res = geometry.resolution
    let rows = indexRange(f.y - halfY, f.y + halfY, resolution: res, count: geometry.rows)
    var visited = 0
    for row in rows {
      let dy = (Float(row) + 0.5) * res - f.y
      // The row's chord through the grown rectangle: |c·dx + sn·dy| ≤ A, |−sn·dx + c·dy| ≤ B.
      guard let along = chord(slope: c, offset: sn * dy, halfExtent: grownA),
        let across = chord(slope: -sn, offset: c * dy, halfExtent: grownB)
      else { continue }
      let low = Swift.max(along.low, across.low)
      let high = Swift.min(along.high, across.high)
      guard low <= high else { continue }
      let columns = indexRange(
        f.x + low, f.x + high, resolution: res, count: geometry.columns)
      for column in columns {
        let dx = (Float(column) + 0.5) * res - f.x
        let s = c * dx + sn * dy
        let t = -sn * dx + c * dy
        let pAlong = cdf((a - s) * inverseAlong) - cdf((-a - s) * inverseAlong)
        guard pAlong >= minimumProbability else { continue }  // p ≤ pAlong
        let pAcross = cdf((b - t) * inverseAcross) - cdf((-b - t) * inverseAcross)
        let p = Swift.min(pAlong * pAcross, 1)
        guard p >= minimumProbability else { continue }  // also rejects NaN
        visit(column, row, p)
        visited += 1
      }
    }
    return visited
  }

  private static func paintDisc(
    _ f: AgentFootprint, radius: Float, _ geometry: GridGeometry, _ cdf: NormalCDF,
    _ visit: (Int, Int, Float) -> Void
  ) -> Int {
    let mean = (f.covarianceXX + f.covarianceYY) / 2
    let half = (f.covarianceXX - f.covarianceYY) / 2
    let largest = mean + (half * half + f.covarianceXY * f.covarianceXY).squareRoot()
    let sigma = clampedSigma(variance: largest, resolution: geometry.resolution)
    let (mu, gain) = discProfile(radius: radius, sigma: sigma)
    // The profile never exceeds `gain`: a faint agent paints nothing.
    guard gain >= minimumProbability else { return 0 }
    let inverseSigma = 1 / sigma
    let extent = Swift.max(radius, mu * sigma) + supportSigmas * sigma
    let res = geometry.resolution
    let rows = indexRange(f.y - extent, f.y + extent, resolution: res, count: geometry.rows)
    var visited = 0
    for row in rows {
      let dy = (Float(row) + 0.5) * res - f.y
      let chordSquared = extent * extent - dy * dy
      guard chordSquared >= 0 else { continue }
      let chord = chordSquared.squareRoot()
      let columns = indexRange(
        f.x - chord, f.x + chord, resolution: res, count: geometry.columns)
      for column in columns {
        let dx = (Float(column) + 0.5) * res - f.x
        let d = (dx * dx + dy * dy).squareRoot()
        let p = Swift.min(gain * cdf(mu - d * inverseSigma), 1)
        guard p >= minimumProbability else { continue }  // also rejects NaN
        visit(column, row, p)
        visited += 1
      }
    }
    return visited
  }

  // MARK: Helpers

  /// A window and a centre, heading and covariance that can be painted: finite, and
  /// variances not negative (sizes are checked per shape).
  private static func paintable(_ f: AgentFootprint, on geometry: GridGeometry) -> Bool {
    geometry.columns > 0 && geometry.rows > 0 && geometry.resolution.isFinite
      && geometry.resolution > 0 && f.x.isFinite && f.y.isFinite && f.heading.isFinite
      && f.covarianceXX.isFinite && f.covarianceXY.isFinite && f.covarianceYY.isFinite
      && f.covarianceXX >= 0 && f.covarianceYY >= 0
  }

  /// How far past the footprint (in σ) a cell can still reach minimumProbability: each factor
  /// of the rectangle's p, and the disc's Φ, is below Φ(−2.054) = 0.02 beyond 2.054σ. So
  /// iterating to 2.1σ visits exactly the cells a 4σ bound would, at a quarter of the cost
  /// for a large σ.
  static let supportSigmas: Float = 2.1

  /// √variance clamped to [resolution / 2, maximumSigma]; a NaN or negative variance (a
  /// covariance that is not positive semi-definite) gets the lower bound.
  private static func clampedSigma(variance: Float, resolution: Float) -> Float {
    let lower = Swift.min(resolution / 2, maximumSigma)
    let sigma = variance > 0 ? variance.squareRoot() : 0
    guard sigma > lower else { return lower }
    return sigma < maximumSigma ? sigma : maximumSigma
  }

  /// The dx interval where |slope·dx + offset| ≤ halfExtent, or nil when empty.
  private static func chord(slope: Float, offset: Float, halfExtent: Float) -> (
    low: Float, high: Float
  )? {
    if slope == 0 {
      guard abs(offset) <= halfExtent else { return nil }
      return (-Float.infinity, Float.infinity)
    }
    let first = (-halfExtent - offset) / slope
    let second = (halfExtent - offset) / slope
    guard !first.isNaN, !second.isNaN else { return nil }
    return first <= second ? (first, second) : (second, first)
  }

  /// Indices of the cells whose centres lie in [low, high] metres, clipped to 0..<count.
  /// Empty for NaN bounds, so a degenerate computation can never loop over garbage.
  private static func indexRange(_ low: Float, _ high: Float, resolution: Float, count: Int)
    -> Range<Int>
  {
    let first = (low / resolution - 0.5).rounded(.up)
    let last = (high / resolution - 0.5).rounded(.down)
    guard first <= last, first < Float(count), last >= 0 else { return 0..<0 }  // NaN: false
    let lowIndex = first > 0 ? Int(first) : 0
    let highIndex = last < Float(count - 1) ? Int(last) : count - 1
    return lowIndex..<(highIndex + 1)
  }

  /// (μ, g) of the disc profile g · Φ(μ − d/σ): matched to the exact disc ⊛ Gaussian's centre
  /// value P0 = 1 − e^(−R²/2σ²) and mass πR². With W = μ + Z, Z standard normal, the profile's
  /// mass is g·πσ²·E[max(W, 0)²] and its centre value g·Φ(μ), so μ solves
  /// E[W² | W > 0] = (R/σ)² / P0, which increases with μ; bisection with a fixed step count.
  private static func discProfile(radius: Float, sigma: Float) -> (mu: Float, gain: Float) {
    let ratio = Double(radius) / Double(sigma)
    let x = ratio * ratio
    let centre = -expm1(-x / 2)
    guard centre > 0, centre.isFinite else { return (0, 0) }
    let target = x / centre
    // Past μ ≈ 8, Φ(μ) = 1 and φ(μ) = 0 in Double: E[W² | W > 0] = μ² + 1.
    if target > 65 { return (Float((target - 1).squareRoot()), Float(centre)) }
    func conditionalSecondMoment(_ mu: Double) -> Double {
      let upper = 0.5 * erfc(-mu / 2.0.squareRoot())
      let density = exp(-mu * mu / 2) / (2 * Double.pi).squareRoot()
      return mu * mu + 1 + mu * density / upper
    }
    // At μ = 0 the moment is 1 < target (target ≥ 2); at μ = √target it exceeds target.
    var low = 0.0
    var high = target.squareRoot()
    for _ in 0..<48 {
      let middle = (low + high) / 2
      if conditionalSecondMoment(middle) < target { low = middle } else { high = middle }
    }
    let mu = (low + high) / 2
    let gain = centre / (0.5 * erfc(-mu / 2.0.squareRoot()))
    return (Float(mu), Float(Swift.min(gain, 1)))
  }

  // MARK: Φ

  /// Φ over [−cdfRange, cdfRange]; outside it Φ is 0 or 1 to within 1e-9.
  static let cdfRange: Float = 6
  /// Intervals in the table: linear interpolation error is below 3e-7.
  static let cdfIntervals = 4096
  /// Φ at evenly spaced points, built once from erfc so painting never calls erf per cell.
  static let cdfTable: [Float] = (0...cdfIntervals).map { index in
    let z = Double(-cdfRange) + 2 * Double(cdfRange) * Double(index) / Double(cdfIntervals)
    return Float(0.5 * erfc(-z / 2.0.squareRoot()))
  }

  /// The standard normal CDF from the table; for tests and one-off use.
  static func normalCDF(_ z: Float) -> Float {
    cdfTable.withUnsafeBufferPointer { NormalCDF(table: $0)(z) }
  }

  /// Table lookup bound to a borrowed buffer, so the per-cell path has no retain or lazy check.
  struct NormalCDF {
    let table: UnsafeBufferPointer<Float>
    /// Table positions per unit of z, the position of z = 0, and the last position.
    let scale: Float
    let offset: Float
    let end: Float

    init(table: UnsafeBufferPointer<Float>) {
      self.table = table
      end = Float(table.count - 1)
      scale = end / (2 * FootprintPainter.cdfRange)
      offset = end / 2
    }

    @inline(__always)
    func callAsFunction(_ z: Float) -> Float {
      let u = z * scale + offset
      guard u > 0 else { return 0 }  // also NaN
      guard u < end else { return 1 }
      let index = Int(u)
      let fraction = u - Float(index)
      let low = table[index]
      return low + fraction * (table[index + 1] - low)
    }
  }
}
