import SightlineGrid
import SightlineLidar
import SightlineSchema
import SightlineTimeline
import SightlineV2X
import SightlineVelodyne

/// Puts the ego and the V2X agents on the drive's timeline: GNSS fixes become the ego
/// trajectory, admitted BSMs/PSMs become agent tracks, and each frame gets the agents
/// extrapolated to its own time. All positions are in one ENU plane, anchored at the first
/// position any stream reports.
public struct TimelineStage {
  public private(set) var plane: LocalTangentPlane?
  public internal(set) var ego = EgoTrajectory()
  /// Where the ego comes from (`[ego]`): only that source's poses reach `ego`.
  public internal(set) var egoSelection = EgoSelection()
  public private(set) var tracks = AgentTrackStore()
  private var lastEgo: EgoState?
  private var scratch: [ExtrapolatedAgent] = []
  /// Messages that carried no position or time and so could not become a track.
  public private(set) var unplaceable = 0
  /// Misbehaviour checks on every placed report.
  public private(set) var plausibility = PlausibilityCheck()
  /// Off for logs spliced from real messages of different times (their positions jump).
  public var checksPlausibility = true

  public init(plausibilityLimits: PlausibilityCheck.Limits = .init()) {
    plausibility = PlausibilityCheck(limits: plausibilityLimits)
    scratch.reserveCapacity(256)
  }

  /// LiDAR has seen `id`'s painted position free for too long: quarantine it and end its track.
  public mutating func quarantineForLidarContradiction(id: UInt32, at time: Int64) {
    plausibility.quarantineForLidarContradiction(id: id, at: time)
    tracks.remove(id: id)
  }

  mutating func planeAnchored(at latitude: Double, _ longitude: Double, _ height: Double)
    -> LocalTangentPlane
  {
    if let plane { return plane }
    let anchored = LocalTangentPlane(
      origin: GeodeticPosition(
        latitudeDegrees: latitude, longitudeDegrees: longitude, heightMeters: height))
    plane = anchored
    return anchored
  }

  /// A reported WGS-84 position in the plane (anchoring the plane at it if it is the first).
  mutating func place(_ latitude: Double, _ longitude: Double, _ height: Double) -> ENUPoint {
    planeAnchored(at: latitude, longitude, height).enu(
      GeodeticPosition(latitudeDegrees: latitude, longitudeDegrees: longitude, heightMeters: height)
    )
  }

  public mutating func observe(_ fix: GNSSFix) {
    guard fix.isValid, egoSelection.takesFixes else { return }
    let plane = planeAnchored(at: fix.latitude, fix.longitude, 0)
    let state = EgoFromGNSS.state(
      latitude: fix.latitude, longitude: fix.longitude, heightMeters: 0,
      speedMetersPerSecond: fix.speedMetersPerSecond, courseDegrees: fix.courseDegrees,
      timeNanoseconds: fix.utcNanoseconds, plane: plane, previous: lastEgo)
    if ego.append(state) {
      lastEgo = state
      egoSelection.posesTaken += 1
    }
  }

  public mutating func observe(_ observation: V2XObservation) {
    // The vehicle's own BSMs are the ego (the BSM source), never an agent.
    if observeOwn(observation) { return }
    guard let measurement = Self.measurement(observation, plane: &self) else {
      unplaceable += 1
      return
    }
    // Reports no real road user could make never reach the tracks (counted by reason).
    guard !checksPlausibility || plausibility.check(measurement) == nil else { return }
    _ = tracks.observe(measurement)
  }

  /// A decoded message as a track measurement; every sentinel stays nil.
  static func measurement(_ observation: V2XObservation, plane stage: inout TimelineStage)
    -> AgentMeasurement?
  {
    measurement(observation) { stage.place($0, $1, $2) }
  }

  /// A decoded message as the track measurement the timeline would make of it, placed in
  /// `plane` (the backtest tests the runtime's own model with it); nil without a position or a
  /// time.
  public static func measurement(_ observation: V2XObservation, in plane: LocalTangentPlane)
    -> AgentMeasurement?
  {
    measurement(observation) {
      plane.enu(GeodeticPosition(latitudeDegrees: $0, longitudeDegrees: $1, heightMeters: $2))
    }
  }

  /// The one conversion: `place` puts latitude, longitude (degrees) and height (m) in a plane.
  private static func measurement(
    _ observation: V2XObservation, place: (Double, Double, Double) -> ENUPoint
  ) -> AgentMeasurement? {
    let received = observation.receiveTimeNanoseconds
    switch observation.message {
    case .bsm(let bsm):
      let si = BSMSIView(bsm.coreData)
      guard let latitude = si.latitudeDegrees, let longitude = si.longitudeDegrees,
        let generated = SecMark.generationTime(
          secMark: bsm.coreData.secMark, receiveTimeNanoseconds: received)
      else { return nil }
      let point = place(latitude, longitude, si.elevationMetres ?? 0)
      // Devices send yaw rate 0 when they have none (the field has no sentinel).
      let yawRate =
        si.acceleration.yawRateDegreesPerSecond == 0
        ? nil : si.acceleration.yawRateRadiansPerSecond
      return AgentMeasurement(
        id: bsm.coreData.id, kind: .vehicle, generationTimeNanoseconds: generated,
        receiveTimeNanoseconds: received, x: point.east, y: point.north,
        speed: si.speedMetresPerSecond,
        heading: si.headingDegrees.map { headingToENUYaw(degreesFromNorthClockwise: $0) },
        longitudinalAcceleration: si.acceleration.longitudinal, yawRate: yawRate,
        accuracySemiMajor: si.accuracy.semiMajor, accuracySemiMinor: si.accuracy.semiMinor,
        accuracyOrientation: si.accuracy.orientationDegrees.map {
          headingToENUYaw(degreesFromNorthClockwise: $0)
        },
        length: si.lengthMetres, width: si.widthMetres)
    case .psm(let psm):
      let si = PSMSIView(psm)
      guard let latitude = si.latitudeDegrees, let longitude = si.longitudeDegrees,
        let generated = SecMark.generationTime(
          secMark: psm.secMark, receiveTimeNanoseconds: received)
      else { return nil }
      let point = place(latitude, longitude, si.elevationMetres ?? 0)
      let kind: AgentKind =
        switch psm.basicType {
        case 1: .pedestrian  // aPEDESTRIAN
        case 2: .cyclist  // aPEDALCYCLIST
        case 3: .pedestrian  // aPUBLICSAFETYWORKER
        default: .other
        }
      let yawRate = si.acceleration.flatMap {
        $0.yawRateDegreesPerSecond == 0 ? nil : $0.yawRateRadiansPerSecond
      }
      return AgentMeasurement(
        id: psm.id, kind: kind, generationTimeNanoseconds: generated,
        receiveTimeNanoseconds: received, x: point.east, y: point.north,
        speed: si.speedMetresPerSecond,
        heading: si.headingDegrees.map { headingToENUYaw(degreesFromNorthClockwise: $0) },
        longitudinalAcceleration: si.acceleration?.longitudinal, yawRate: yawRate,
        accuracySemiMajor: si.accuracy.semiMajor, accuracySemiMinor: si.accuracy.semiMinor,
        accuracyOrientation: si.accuracy.orientationDegrees.map {
          headingToENUYaw(degreesFromNorthClockwise: $0)
        },
        length: nil, width: nil)
    }
  }

  /// Extrapolates every live agent to `time`; the result stays in `agents` for the frame.
  @discardableResult
  public mutating func extrapolateAgents(to time: Int64) -> [ExtrapolatedAgent] {
    scratch.removeAll(keepingCapacity: true)
    tracks.agents(at: time, into: &scratch)
    return scratch
  }

  /// The agents last extrapolated.
  public var agents: [ExtrapolatedAgent] { scratch }
}
