import SightlineTimeline

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The vehicle's localization (an INS fusing GNSS, IMU and odometry): base_link's pose at
/// `rate` Hz with a small position error (white noise plus a slowly wandering bias, as
/// `GNSSErrorTrack` draws them), a small yaw error and an honest covariance, received
/// `latency` after the instant it describes. A drive with `[ego] source = "localization"`
/// records these poses in `pose.jsonl` (docs/SCHEMA.md, "Ego pose in"), one JSON line each.
public struct EgoLocalization: Sendable {
  /// The localization's rate and error (`[ego] localization = { … }`, docs/SCENARIOS.md).
  public struct Model: Sendable, Equatable {
    public var rate = 50.0
    /// Position: white noise and the wandering bias's steady-state 1σ per axis (m), and the
    /// bias's correlation time (s).
    public var whiteSigma = 0.03
    public var biasSigma = 0.03
    public var biasTime = 20.0
    /// Yaw noise, 1σ (rad), and speed noise, 1σ (m/s).
    public var yawSigma = 0.1 * Double.pi / 180
    public var speedSigma = 0.02
    /// From the pose's instant to its arrival (s).
    public var latency = 0.01

    public init() {}

    /// The total position error per axis, 1σ (m): what the covariance reports.
    public var positionSigma: Double {
      (whiteSigma * whiteSigma + biasSigma * biasSigma).squareRoot()
    }
  }

  /// One pose as the runtime receives it (`LocalizationPose`'s fields).
  public struct Pose: Sendable, Equatable {
    /// When it arrived (the capture host's clock, like a V2X log's `t_ns`).
    public var receiveNanoseconds: Int64
    /// When base_link was there.
    public var timeNanoseconds: Int64
    public var latitude: Double
    public var longitude: Double
    /// Above the ellipsoid: base_link is on the ground, the scene's origin height.
    public var altitude: Double
    /// ENU, counter-clockwise from east, in (−π, π] (rad).
    public var yaw: Double
    public var speed: Double
    public var yawRate: Double
    /// 6×6 row-major over (x, y, z, roll, pitch, yaw): the position's variance on x, y and z,
    /// the yaw's on roll, pitch and yaw (the scene is flat: z, roll and pitch are exact).
    public var covariance: [Double]

    /// The pose log's line: `t_ns` and the message in protobuf's JSON mapping.
    public var jsonLine: String {
      let covariance = self.covariance.map { "\($0)" }.joined(separator: ", ")
      return "{\"t_ns\": \(receiveNanoseconds), \"pose\": {\"time_ns\": \"\(timeNanoseconds)\","
        + " \"latitude_deg\": \(latitude), \"longitude_deg\": \(longitude),"
        + " \"altitude_m\": \(altitude), \"roll_rad\": 0.0, \"pitch_rad\": 0.0,"
        + " \"yaw_rad\": \(yaw), \"covariance\": [\(covariance)], \"frame_id\": \"base_link\","
        + " \"speed_mps\": \(speed), \"yaw_rate_rad_s\": \(yawRate)}}"
    }
  }

  /// Every pose of the drive, from its start to its end at `model.rate`, in time order.
  /// `startNanoseconds` is scenario time 0 in UTC (the capture's clock).
  public static func poses(scenario: Scenario, startNanoseconds: Int64) -> [Pose] {
    let scene = scenario.scene
    let model = scenario.egoLocalization
    let plane = LocalTangentPlane(
      origin: GeodeticPosition(
        latitudeDegrees: scene.origin.latitude, longitudeDegrees: scene.origin.longitude,
        heightMeters: scene.origin.height))
    var errorModel = GNSSError()
    errorModel.whiteSigma = model.whiteSigma
    errorModel.biasSigma = model.biasSigma
    errorModel.biasTime = model.biasTime
    errorModel.speedSigma = model.speedSigma
    errorModel.headingSigma = model.yawSigma
    // Its own stream: the other receivers' draws do not change.
    var error = GNSSErrorTrack(model: errorModel, seed: scenario.seed ^ 0x494E_5300_4C4F_43)
    let positionVariance = model.positionSigma * model.positionSigma
    let yawVariance = model.yawSigma * model.yawSigma
    var covariance = [Double](repeating: 0, count: 36)
    for axis in 0..<3 {
      covariance[axis * 7] = positionVariance
      covariance[(axis + 3) * 7] = yawVariance
    }
    let latency = Int64((model.latency * 1e9).rounded())
    var poses: [Pose] = []
    var step = 0
    while Double(step) / model.rate <= scene.duration + 1e-9 {
      let time = Double(step) / model.rate
      let state = scene.ego.state(at: time)
      let sample = error.sample(at: time)
      let geo = plane.geodetic(
        ENUPoint(east: state.pose.x + sample.east, north: state.pose.y + sample.north))
      let at = startNanoseconds + Int64((time * 1e9).rounded())
      poses.append(
        Pose(
          receiveNanoseconds: at + latency, timeNanoseconds: at, latitude: geo.latitudeDegrees,
          longitude: geo.longitudeDegrees, altitude: scene.origin.height,
          yaw: remainder(state.pose.yaw + sample.heading, 2 * .pi),
          speed: max(0, state.speed + sample.speed), yawRate: state.yawRate,
          covariance: covariance))
      step += 1
    }
    return poses
  }
}
