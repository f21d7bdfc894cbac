// Extrapolation: one V2X agent measurement → its position at a query time, with a covariance that
// only grows with the interval. Closed-form CTRA, constant velocity or constant position, chosen by
// which fields the message actually carried: a nil ("unavailable") never becomes motion.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a measurement is carried forward in time.
public enum MotionModel: Sendable, Equatable {
  /// Constant turn rate and (longitudinal) acceleration: needs speed, heading, yaw rate, accel.
  case ctra
  /// Straight line at the reported speed and heading.
  case constantVelocity
  /// Stays where it was reported; the uncertainty grows with an assumed speed.
  case constantPosition
}

/// One agent at a query time.
public struct ExtrapolatedAgent: Sendable, Equatable {
  /// Horizontal position covariance in m², east/north. Symmetric by construction.
  public struct Covariance: Sendable, Equatable {
    public var xx: Double
    public var xy: Double
    public var yy: Double

    public init(xx: Double, xy: Double, yy: Double) {
      self.xx = xx
      self.xy = xy
      self.yy = yy
    }

    public var trace: Double { xx + yy }

    /// Eigenvalues, smaller first (closed form for a symmetric 2×2).
    public var eigenvalues: (smaller: Double, larger: Double) {
      let mean = (xx + yy) / 2
      let radius = hypot((xx - yy) / 2, xy)
      return (mean - radius, mean + radius)
    }
  }

  public var id: UInt32
  public var kind: AgentKind
  public var model: MotionModel
  /// The query time (UTC ns).
  public var time: Int64
  public var x: Double
  public var y: Double
  /// Radians CCW from east at `time`; nil when the message carried none.
  public var heading: Double?
  /// m/s at `time`; nil when the message carried none.
  public var speed: Double?
  public var covariance: Covariance
  /// time − generation time. Negative when the message is future-dated.
  public var latencyNanoseconds: Int64
  /// Arc length moved from the reported position (m).
  public var distanceTravelled: Double
  /// The message is stamped after the query time: no motion was applied, only the base covariance.
  public var futureDated: Bool
  public var length: Double?
  public var width: Double?

  // Flat accessors for encoders (east/north = x/y).
  public var covarianceXX: Double { covariance.xx }
  public var covarianceXY: Double { covariance.xy }
  public var covarianceYY: Double { covariance.yy }
}

extension MotionModel {
  /// Uncertainty knobs per agent class. Numbers and reasons are in Tools/timeline/EXTRAPOLATION.md.
  public struct ProcessNoise: Sendable, Equatable {
    /// σ_a² of the white (piecewise-constant) acceleration, isotropic, (m/s²)².
    public var accelerationVariance: Double
    /// 1σ error of a reported speed (m/s).
    public var speedSigma: Double
    /// 1σ error of a reported heading (rad).
    public var headingSigma: Double
    /// 1σ error of a reported yaw rate (rad/s), used by CTRA.
    public var yawRateSigma: Double
    /// 1σ of the yaw rate when none was reported (rad/s), used by constant velocity.
    public var unknownYawRateSigma: Double
    /// 1σ of the speed when none was reported (m/s), used by constant position.
    public var unknownSpeedSigma: Double
    /// 1σ position error when the message carries no accuracy (m).
    public var unknownPositionSigma: Double
    /// Below this reported speed (m/s) the reported heading is not used: the agent stays where
    /// it was reported and its covariance spreads over the circle the speed allows (constant
    /// position). At walking pace GNSS course over ground is noise, and devices hold (latch) the
    /// last heading: on real BSMs, heading and motion disagree (docs/BACKTEST.md).
    public var minimumHeadingSpeed: Double

    public init(
      accelerationVariance: Double, speedSigma: Double, headingSigma: Double,
      yawRateSigma: Double, unknownYawRateSigma: Double, unknownSpeedSigma: Double,
      unknownPositionSigma: Double = 5, minimumHeadingSpeed: Double = 0
    ) {
      self.accelerationVariance = accelerationVariance
      self.speedSigma = speedSigma
      self.headingSigma = headingSigma
      self.yawRateSigma = yawRateSigma
      self.unknownYawRateSigma = unknownYawRateSigma
      self.unknownSpeedSigma = unknownSpeedSigma
      self.unknownPositionSigma = unknownPositionSigma
      self.minimumHeadingSpeed = minimumHeadingSpeed
    }

    public static let vehicle = ProcessNoise(
      accelerationVariance: 2.0, speedSigma: 0.3, headingSigma: 0.035, yawRateSigma: 0.035,
      unknownYawRateSigma: 0.1, unknownSpeedSigma: 15, minimumHeadingSpeed: 1.4)
    public static let pedestrian = ProcessNoise(
      accelerationVariance: 1.0, speedSigma: 0.3, headingSigma: 0.35, yawRateSigma: 0.2,
      unknownYawRateSigma: 0.5, unknownSpeedSigma: 1.5)
    /// A PSM carries no yaw rate: a cyclist turning at a crossing (15–30 °/s) or braking hard
    /// is within 1–2σ of the unknown turn and acceleration here (calibrated on the noisy
    /// synthetic drives' coverage, docs/EVAL.md).
    public static let cyclist = ProcessNoise(
      accelerationVariance: 2.5, speedSigma: 0.3, headingSigma: 0.1, yawRateSigma: 0.05,
      unknownYawRateSigma: 0.3, unknownSpeedSigma: 6)
    public static let other = ProcessNoise(
      accelerationVariance: 4.0, speedSigma: 0.5, headingSigma: 0.1, yawRateSigma: 0.05,
      unknownYawRateSigma: 0.2, unknownSpeedSigma: 15)

    public static func standard(for kind: AgentKind) -> ProcessNoise {
      switch kind {
      case .vehicle: .vehicle
      case .pedestrian: .pedestrian
      case .cyclist: .cyclist
      case .other: .other
      }
    }
  }

  /// The richest model the measurement's known fields support; below `minimumHeadingSpeed` the
  /// heading is not trusted, so constant position.
  public static func select(for m: AgentMeasurement, minimumHeadingSpeed: Double = 0)
    -> MotionModel
  {
    let speed = Self.validSpeed(m.speed)
    let heading = Self.finite(m.heading)
    guard let speed, heading != nil, !(speed < minimumHeadingSpeed) else {
      return .constantPosition
    }
    if Self.finite(m.yawRate) != nil, Self.finite(m.longitudinalAcceleration) != nil {
      return .ctra
    }
    return .constantVelocity
  }

  /// Carries `m` to `time` (UTC ns). Allocation-free: scalar arithmetic only.
  public static func extrapolate(
    _ m: AgentMeasurement, to time: Int64, processNoise q: ProcessNoise
  ) -> ExtrapolatedAgent {
    let latency = latency(of: m, at: time)
    let futureDated = latency < 0
    let tau = futureDated ? 0 : Double(latency) * 1e-9

    let model = select(for: m, minimumHeadingSpeed: q.minimumHeadingSpeed)
    var c = baseCovariance(m, q)
    addWhiteAcceleration(&c, tau: tau, q)
    var state = Propagated(
      x: m.x, y: m.y, heading: finite(m.heading), speed: validSpeed(m.speed), travelled: 0)
    switch model {
    case .ctra: propagateCTRA(m, tau: tau, q, &state, &c)
    case .constantVelocity: propagateConstantVelocity(tau: tau, q, &state, &c)
    case .constantPosition: spreadConstantPosition(speed: state.speed, tau: tau, q, &c)
    }

    return ExtrapolatedAgent(
      id: m.id, kind: m.kind, model: model, time: time, x: state.x, y: state.y,
      heading: state.heading, speed: state.speed, covariance: c, latencyNanoseconds: latency,
      distanceTravelled: state.travelled, futureDated: futureDated, length: validSize(m.length),
      width: validSize(m.width))
  }

  // MARK: - extrapolation steps

  /// Position, heading and speed at the query time, and the arc length moved to get there.
  private struct Propagated {
    var x: Double
    var y: Double
    var heading: Double?
    var speed: Double?
    var travelled: Double
  }

  /// time − generation time, saturated instead of overflowing.
  private static func latency(of m: AgentMeasurement, at time: Int64) -> Int64 {
    let (difference, overflow) = time.subtractingReportingOverflow(m.generationTimeNanoseconds)
    return overflow ? (time < 0 ? Int64.min : Int64.max) : difference
  }

  /// White acceleration held over the interval: displacement ½aτ², variance σ_a²τ⁴/4 per axis.
  private static func addWhiteAcceleration(
    _ c: inout ExtrapolatedAgent.Covariance, tau: Double, _ q: ProcessNoise
  ) {
    let tau2 = tau * tau
    let white = q.accelerationVariance * tau2 * tau2 / 4
    c.xx += white
    c.yy += white
  }

  /// CTRA in closed form; `state` holds the reported speed and heading.
  private static func propagateCTRA(
    _ m: AgentMeasurement, tau: Double, _ q: ProcessNoise, _ state: inout Propagated,
    _ c: inout ExtrapolatedAgent.Covariance
  ) {
    let v0 = state.speed!
    let theta0 = state.heading!
    let omega = finite(m.yawRate)!
    let a = finite(m.longitudinalAcceleration)!
    // Braking ends at standstill: a vehicle does not reverse, nor turn while stopped.
    var tEff = tau
    if a < 0, v0 < -a * tau { tEff = v0 / -a }
    let phi = omega * tEff
    let k = kernels(phi)
    let local = (
      v0 * tEff * k.e1r + a * tEff * tEff * k.e2r,
      v0 * tEff * k.e1i + a * tEff * tEff * k.e2i
    )
    let (s0, c0) = (sin(theta0), cos(theta0))
    state.x += local.0 * c0 - local.1 * s0
    state.y += local.0 * s0 + local.1 * c0
    state.travelled = max(0, v0 * tEff + a * tEff * tEff / 2)
    state.heading = wrap(theta0 + phi)
    state.speed = max(0, v0 + a * tEff)
    let tau2 = tau * tau
    let along = square(q.speedSigma * tau)
    let cross = square(state.travelled * q.headingSigma) + square(v0 * tau2 / 2 * q.yawRateSigma)
    addTrackFrame(&c, heading: theta0, along: along, cross: cross)
  }

  /// A straight line at the reported speed and heading, which `state` holds.
  private static func propagateConstantVelocity(
    tau: Double, _ q: ProcessNoise, _ state: inout Propagated,
    _ c: inout ExtrapolatedAgent.Covariance
  ) {
    let v0 = state.speed!
    let theta0 = state.heading!
    state.travelled = v0 * tau
    state.x += state.travelled * cos(theta0)
    state.y += state.travelled * sin(theta0)
    let tau2 = tau * tau
    let along = square(q.speedSigma * tau)
    // The yaw rate is unknown here: a turn of σ_ω bends the path by ½vτ²σ_ω sideways.
    let cross =
      square(state.travelled * q.headingSigma) + square(v0 * tau2 / 2 * q.unknownYawRateSigma)
    addTrackFrame(&c, heading: theta0, along: along, cross: cross)
  }

  /// No motion, only a wider covariance.
  private static func spreadConstantPosition(
    speed: Double?, tau: Double, _ q: ProcessNoise, _ c: inout ExtrapolatedAgent.Covariance
  ) {
    // Known speed, unknown direction: anywhere on a circle of radius vτ (variance r²/2 per axis).
    // Unknown speed: an assumed spread of speeds for the class.
    let spread: Double
    if let v = speed {
      spread = square(v * tau) / 2 + square(q.speedSigma * tau)
    } else {
      spread = square(q.unknownSpeedSigma * tau)
    }
    c.xx += spread
    c.yy += spread
  }

  // MARK: - helpers (private statics, so nothing collides with sibling files)

  private static func finite(_ value: Double?) -> Double? {
    guard let value, value.isFinite else { return nil }
    return value
  }

  private static func validSpeed(_ value: Double?) -> Double? {
    guard let value, value.isFinite, value >= 0 else { return nil }
    return value
  }

  private static func validSize(_ value: Double?) -> Double? {
    guard let value, value.isFinite, value > 0 else { return nil }
    return value
  }

  private static func square(_ v: Double) -> Double { v * v }

  private static func wrap(_ angle: Double) -> Double {
    angle.remainder(dividingBy: 2 * Double.pi)
  }

  /// ∫₀¹ e^{iφu} du (e1) and ∫₀¹ u·e^{iφu} du (e2), real and imaginary parts. Series below
  /// |φ| = 0.01, where the closed forms cancel catastrophically (φ = 0 is exact CV/CA).
  private static func kernels(_ phi: Double) -> (e1r: Double, e1i: Double, e2r: Double, e2i: Double)
  {
    if abs(phi) < 0.01 {
      let p2 = phi * phi
      let p4 = p2 * p2
      return (
        1 - p2 / 6 + p4 / 120,
        phi * (0.5 - p2 / 24 + p4 / 720),
        0.5 - p2 / 8 + p4 / 144,
        phi * (1.0 / 3 - p2 / 30 + p4 / 840)
      )
    }
    let s = sin(phi)
    let c = cos(phi)
    let p2 = phi * phi
    return (s / phi, (1 - c) / phi, (phi * s + c - 1) / p2, (s - phi * c) / p2)
  }

  /// The reported 1σ ellipse rotated into east/north. Missing pieces widen it, never narrow it.
  private static func baseCovariance(_ m: AgentMeasurement, _ q: ProcessNoise)
    -> ExtrapolatedAgent.Covariance
  {
    func nonNegative(_ v: Double?) -> Double? {
      guard let v, v.isFinite, v >= 0 else { return nil }
      return v
    }
    let major = nonNegative(m.accuracySemiMajor)
    let minor = nonNegative(m.accuracySemiMinor)
    guard let a = major else {
      let s = max(q.unknownPositionSigma, minor ?? 0)
      return .init(xx: s * s, xy: 0, yy: s * s)
    }
    guard let b = minor, let phi = finite(m.accuracyOrientation) else {
      // Unknown orientation or minor axis: the circle of the larger axis contains every ellipse.
      let s = max(a, minor ?? 0)
      return .init(xx: s * s, xy: 0, yy: s * s)
    }
    let (s, c) = (sin(phi), cos(phi))
    let a2 = a * a
    let b2 = b * b
    return .init(xx: a2 * c * c + b2 * s * s, xy: (a2 - b2) * s * c, yy: a2 * s * s + b2 * c * c)
  }

  /// Adds along/cross-track variances in the frame of the reported heading. A fixed frame keeps
  /// every term a non-decreasing scalar times a fixed PSD matrix, so the sum never shrinks with τ.
  private static func addTrackFrame(
    _ c: inout ExtrapolatedAgent.Covariance, heading: Double, along: Double, cross: Double
  ) {
    let (s, co) = (sin(heading), cos(heading))
    c.xx += along * co * co + cross * s * s
    c.xy += (along - cross) * s * co
    c.yy += along * s * s + cross * co * co
  }
}
