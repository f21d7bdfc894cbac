// EgoFromPose: ego states from sources that report an orientation (a vehicle's localization)
// or a heading (its own BSMs), as opposed to GNSS fixes, whose course says little at low speed.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// An ego state from one reported pose: position, and whichever of yaw, speed and yaw rate the
/// source gives; what it does not give comes from `previous` as `EgoFromGNSS` does it.
///
/// - The yaw is the pose's own (the vehicle's heading, trusted at any speed); without one, the
///   direction of a displacement of at least 1 m since `previous`, else `previous`'s yaw, else 0.
/// - Missing speed is the displacement since `previous` over the elapsed time, else 0.
/// - A missing yaw rate is the shortest-arc yaw change since `previous` over the elapsed time
///   when that is at most 2 s, else 0.
/// - The position variance (isotropic) is the larger eigenvalue of the covariance's horizontal
///   block, or `positionVariance`, or `EgoFromGNSS`'s nominal 2.5² m².
public enum EgoFromPose {
  public struct Report: Sendable, Equatable {
    public var position: GeodeticPosition
    public var timeNanoseconds: Int64
    /// Radians counter-clockwise from east.
    public var yaw: Double?
    public var roll: Double = 0
    public var pitch: Double = 0
    public var speed: Double?
    public var yawRate: Double?
    public var covariance: PoseCovariance?
    /// m², when the source gives a horizontal accuracy but no covariance.
    public var positionVariance: Double?

    public init(position: GeodeticPosition, timeNanoseconds: Int64, yaw: Double?) {
      self.position = position
      self.timeNanoseconds = timeNanoseconds
      self.yaw = yaw
    }
  }

  public static func state(_ report: Report, plane: LocalTangentPlane, previous: EgoState?)
    -> EgoState
  {
    let position = plane.enu(report.position)
    var prior: (state: EgoState, dt: Double)?
    if let previous, report.timeNanoseconds > previous.timeNanoseconds {
      let (d, overflow) = report.timeNanoseconds.subtractingReportingOverflow(
        previous.timeNanoseconds)
      if !overflow { prior = (previous, Double(d) * 1e-9) }
    }
    let dx = prior.map { position.east - $0.state.position.east } ?? 0
    let dy = prior.map { position.north - $0.state.position.north } ?? 0
    let displacement = (dx * dx + dy * dy).squareRoot()

    let yaw: Double
    if let given = report.yaw, given.isFinite {
      yaw = egoWrapRadians(given)
    } else if prior != nil, displacement >= EgoFromGNSS.minimumDisplacementForYaw {
      yaw = atan2(dy, dx)
    } else {
      yaw = prior?.state.yaw ?? 0
    }
    let speed: Double
    if let given = report.speed, given.isFinite {
      speed = abs(given)
    } else if let prior {
      speed = displacement / prior.dt
    } else {
      speed = 0
    }
    var yawRate = 0.0
    if let given = report.yawRate, given.isFinite {
      yawRate = given
    } else if let prior, prior.dt <= EgoFromGNSS.maximumGapForYawRateSeconds {
      yawRate = egoWrapRadians(yaw - prior.state.yaw) / prior.dt
    }
    let nominal =
      EgoFromGNSS.nominalHorizontalSigmaMeters * EgoFromGNSS.nominalHorizontalSigmaMeters
    let variance =
      report.covariance?.horizontalVarianceMajor ?? report.positionVariance ?? nominal
    return EgoState(
      timeNanoseconds: report.timeNanoseconds, position: position, yaw: yaw, speed: speed,
      yawRate: yawRate, positionVariance: variance, roll: report.roll, pitch: report.pitch,
      covariance: report.covariance)
  }
}
