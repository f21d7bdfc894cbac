// EgoPose: the ego vehicle's state over time in the local ENU frame. A bounded ring of states,
// interpolated inside the data and extrapolated on a constant turn a short way past it, so every
// stream can ask "where were we at time t" with an honest uncertainty.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One ego state. Yaw is radians counter-clockwise from east (use `headingToENUYaw` for compass
/// courses); the position variance is isotropic in the horizontal plane. Roll and pitch (ENU,
/// as a localization reports them) are 0 from sources that have none; `covariance` is the
/// source's full pose covariance when it gives one.
public struct EgoState: Sendable, Equatable {
  public var timeNanoseconds: Int64
  public var position: ENUPoint
  public var yaw: Double  // rad, CCW from east
  public var speed: Double  // m/s
  public var yawRate: Double  // rad/s
  public var positionVariance: Double  // m², isotropic
  public var roll: Double  // rad, about east
  public var pitch: Double  // rad, about north
  public var covariance: PoseCovariance?

  public init(
    timeNanoseconds: Int64, position: ENUPoint, yaw: Double, speed: Double, yawRate: Double = 0,
    positionVariance: Double = 0, roll: Double = 0, pitch: Double = 0,
    covariance: PoseCovariance? = nil
  ) {
    self.timeNanoseconds = timeNanoseconds
    self.position = position
    self.yaw = yaw
    self.speed = speed
    self.yawRate = yawRate
    self.positionVariance = positionVariance
    self.roll = roll
    self.pitch = pitch
    self.covariance = covariance
  }
}

/// The ego trajectory: a fixed-capacity ring (the oldest state is overwritten), strictly
/// increasing in time. Not thread-safe; the frame loop owns it.
public struct EgoTrajectory: Sendable {
  public let capacity: Int
  public let maximumExtrapolationSeconds: Double
  /// Samples implying a speed above this between consecutive states are teleports (GNSS jumps).
  public static let maximumPlausibleSpeed = 100.0  // m/s
  /// Extrapolation noise: position variance grows by (σv·Δt)² + (½·σa·Δt²)², an unknown speed
  /// error plus an unknown acceleration (braking, a swerve) over the extrapolated time.
  public var extrapolationSpeedSigma = 1.0  // m/s
  public var extrapolationAccelerationSigma = 3.0  // m/s²
  /// Appends refused (out of order, duplicate time, non-finite, or teleport).
  public private(set) var rejected = 0

  private var ring: [EgoState] = []
  private var start = 0  // index of the oldest state once the ring is full

  public init(capacity: Int = 2048, maximumExtrapolationSeconds: Double = 0.5) {
    precondition(capacity > 0, "EgoTrajectory capacity must be positive")
    self.capacity = capacity
    self.maximumExtrapolationSeconds = max(0, maximumExtrapolationSeconds)
    ring.reserveCapacity(capacity)
  }

  public var count: Int { ring.count }
  public var earliest: EgoState? { ring.isEmpty ? nil : self[0] }
  public var latest: EgoState? { ring.isEmpty ? nil : self[ring.count - 1] }

  /// Forgets every state (e.g. after the plane's origin moves); the rejected count is kept.
  public mutating func reset() {
    ring.removeAll(keepingCapacity: true)
    start = 0
  }

  /// Adds a state after the latest one. Returns false, and counts it, when it is not strictly
  /// later, has a non-finite field, or lies farther than 100 m/s × Δt from the latest state.
  @discardableResult
  public mutating func append(_ state: EgoState) -> Bool {
    let p = state.position
    guard
      p.east.isFinite, p.north.isFinite, p.up.isFinite, state.yaw.isFinite,
      state.speed.isFinite, state.yawRate.isFinite, state.positionVariance.isFinite,
      state.roll.isFinite, state.pitch.isFinite, state.covariance?.isValid ?? true
    else {
      rejected += 1
      return false
    }
    if let last = latest {
      guard state.timeNanoseconds > last.timeNanoseconds else {
        rejected += 1
        return false
      }
      let dt = Self.seconds(from: last.timeNanoseconds, to: state.timeNanoseconds) ?? .infinity
      let dx = p.east - last.position.east
      let dy = p.north - last.position.north
      let dz = p.up - last.position.up
      let distance = (dx * dx + dy * dy + dz * dz).squareRoot()
      guard distance <= Self.maximumPlausibleSpeed * dt else {
        rejected += 1
        return false
      }
    }
    if ring.count < capacity {
      ring.append(state)
    } else {
      ring[start] = state
      start = (start + 1) % capacity
    }
    return true
  }

  /// The state at `time`: interpolated between the bracketing samples, extrapolated on a constant
  /// turn up to `maximumExtrapolationSeconds` past the latest one; nil before the earliest sample
  /// and beyond the bound.
  public func state(at time: Int64) -> EgoState? {
    guard let first = earliest, let last = latest, time >= first.timeNanoseconds else {
      return nil
    }
    if time >= last.timeNanoseconds {
      guard let dt = Self.seconds(from: last.timeNanoseconds, to: time),
        dt <= maximumExtrapolationSeconds
      else { return nil }
      return extrapolate(last, by: dt, to: time)
    }
    // Binary search for the last sample at or before `time` (first ≤ time < last here).
    var lo = 0
    var hi = ring.count - 1
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if self[mid].timeNanoseconds <= time { lo = mid } else { hi = mid }
    }
    let a = self[lo]
    let b = self[hi]
    if time == a.timeNanoseconds { return a }
    let s = Double(time - a.timeNanoseconds) / Double(b.timeNanoseconds - a.timeNanoseconds)
    func lerp(_ x: Double, _ y: Double) -> Double { x + (y - x) * s }
    return EgoState(
      timeNanoseconds: time,
      position: ENUPoint(
        east: lerp(a.position.east, b.position.east),
        north: lerp(a.position.north, b.position.north),
        up: lerp(a.position.up, b.position.up)),
      yaw: egoWrapRadians(a.yaw + egoWrapRadians(b.yaw - a.yaw) * s),  // shortest arc
      speed: lerp(a.speed, b.speed),
      yawRate: lerp(a.yawRate, b.yawRate),
      // Between two fixes the error is no worse than the worse of them; linear is the simple,
      // continuous choice.
      positionVariance: lerp(a.positionVariance, b.positionVariance),
      roll: egoWrapRadians(a.roll + egoWrapRadians(b.roll - a.roll) * s),
      pitch: egoWrapRadians(a.pitch + egoWrapRadians(b.pitch - a.pitch) * s),
      covariance: Self.interpolate(a.covariance, b.covariance, s))
  }

  /// Both covariances interpolated entry by entry; the one there is when only one has one.
  private static func interpolate(_ a: PoseCovariance?, _ b: PoseCovariance?, _ s: Double)
    -> PoseCovariance?
  {
    guard let a else { return b }
    guard let b else { return a }
    return a.interpolated(to: b, s)
  }

  /// Constant speed and yaw rate (CTRV). The chord of the arc is v·Δt·sinc(ωΔt/2) along the mean
  /// heading yaw + ωΔt/2: exact on the circle and well-conditioned as ω → 0 (straight line).
  private func extrapolate(_ s: EgoState, by dt: Double, to time: Int64) -> EgoState {
    let halfTurn = s.yawRate * dt / 2
    let chord = s.speed * dt * egoSinc(halfTurn)
    let heading = s.yaw + halfTurn
    let sv = extrapolationSpeedSigma * dt
    let sa = 0.5 * extrapolationAccelerationSigma * dt * dt
    var covariance = s.covariance
    if covariance != nil {
      covariance![0, 0] += sv * sv + sa * sa
      covariance![1, 1] += sv * sv + sa * sa
    }
    return EgoState(
      timeNanoseconds: time,
      position: ENUPoint(
        east: s.position.east + chord * cos(heading),
        north: s.position.north + chord * sin(heading),
        up: s.position.up),
      yaw: egoWrapRadians(s.yaw + s.yawRate * dt),
      speed: s.speed,
      yawRate: s.yawRate,
      positionVariance: s.positionVariance + sv * sv + sa * sa, roll: s.roll, pitch: s.pitch,
      covariance: covariance)
  }

  /// The i-th oldest state.
  private subscript(i: Int) -> EgoState { ring[(start + i) % ring.count] }

  /// (to − from) in seconds, or nil when the nanosecond difference overflows Int64.
  private static func seconds(from: Int64, to: Int64) -> Double? {
    let (d, overflow) = to.subtractingReportingOverflow(from)
    return overflow ? nil : Double(d) * 1e-9
  }
}

/// Ego states from GNSS fixes (GPRMC from the LiDAR's position packets, or any receiver).
///
/// Assumptions:
/// - The fix's horizontal accuracy is nominal, σ = 2.5 m (typical uncorrected single-frequency
///   GNSS); GPRMC carries no accuracy, so the variance is always 2.5² m².
/// - Course over ground is clockwise from north in degrees; it is trusted only at or above
///   0.5 m/s (when stationary, receivers report noise or nothing). Below that, or when absent, the
///   yaw comes from the displacement since `previous` if it is at least 1 m, else `previous`'s
///   yaw is held, else 0.
/// - Missing speed is the displacement since `previous` over the elapsed time (noisy, since two
///   fixes each carry the error above), or 0 without a usable previous state.
/// - The yaw rate is the shortest-arc yaw change since `previous` over the elapsed time; 0 when
///   there is no previous state, time did not advance, or the gap exceeds 2 s (a rate over a long
///   gap says nothing about the present turn).
/// - `previous` must be in the same plane; one later in time than the fix is ignored.
public enum EgoFromGNSS {
  public static let nominalHorizontalSigmaMeters = 2.5
  public static let minimumSpeedForCourse = 0.5  // m/s
  public static let minimumDisplacementForYaw = 1.0  // m
  public static let maximumGapForYawRateSeconds = 2.0

  public static func state(
    latitude: Double, longitude: Double, heightMeters: Double, speedMetersPerSecond: Double?,
    courseDegrees: Double?, timeNanoseconds: Int64, plane: LocalTangentPlane,
    previous: EgoState?
  ) -> EgoState {
    let position = plane.enu(
      GeodeticPosition(
        latitudeDegrees: latitude, longitudeDegrees: longitude, heightMeters: heightMeters))
    // Only a strictly earlier previous state informs motion.
    var prior: (state: EgoState, dt: Double)?
    if let previous, timeNanoseconds > previous.timeNanoseconds {
      let (d, overflow) = timeNanoseconds.subtractingReportingOverflow(previous.timeNanoseconds)
      if !overflow { prior = (previous, Double(d) * 1e-9) }
    }
    let dx = prior.map { position.east - $0.state.position.east } ?? 0
    let dy = prior.map { position.north - $0.state.position.north } ?? 0
    let displacement = (dx * dx + dy * dy).squareRoot()

    let speed: Double
    if let given = speedMetersPerSecond, given.isFinite {
      speed = max(0, given)
    } else if let prior {
      speed = displacement / prior.dt
    } else {
      speed = 0
    }

    let yaw: Double
    if let course = courseDegrees, course.isFinite, speed >= minimumSpeedForCourse {
      yaw = headingToENUYaw(degreesFromNorthClockwise: course)
    } else if prior != nil, displacement >= minimumDisplacementForYaw {
      yaw = atan2(dy, dx)
    } else if let prior {
      yaw = prior.state.yaw
    } else if let course = courseDegrees, course.isFinite {
      // No history at all: a slow course is still better than an arbitrary east.
      yaw = headingToENUYaw(degreesFromNorthClockwise: course)
    } else {
      yaw = 0
    }

    var yawRate = 0.0
    if let prior, prior.dt <= maximumGapForYawRateSeconds {
      yawRate = egoWrapRadians(yaw - prior.state.yaw) / prior.dt
    }

    return EgoState(
      timeNanoseconds: timeNanoseconds, position: position, yaw: yaw, speed: speed,
      yawRate: yawRate,
      positionVariance: nominalHorizontalSigmaMeters * nominalHorizontalSigmaMeters)
  }
}

/// Wraps an angle to (-π, π].
func egoWrapRadians(_ angle: Double) -> Double {
  var a = angle.truncatingRemainder(dividingBy: 2 * Double.pi)
  if a > Double.pi { a -= 2 * Double.pi }
  if a <= -Double.pi { a += 2 * Double.pi }
  return a
}

/// sin(x)/x, with its Taylor series near 0 where the quotient loses precision.
func egoSinc(_ x: Double) -> Double {
  let x2 = x * x
  if x2 < 1e-8 { return 1 - x2 / 6 + x2 * x2 / 120 }
  return sin(x) / x
}
