import SightlineSchema
import SightlineTimeline
import SightlineV2X

extension TimelineStage {
  /// Takes `[ego]`'s choice (or a replay's): only that source's poses make the ego from now on.
  public mutating func select(_ selection: EgoSelection) {
    egoSelection = selection
  }

  /// A localization pose: the ego at its time, with its own orientation and covariance. Ignored
  /// unless localization is the ego source.
  public mutating func observe(_ pose: EgoPoseObservation) {
    guard egoSelection.source == .localization else { return }
    let position = pose.report.position
    let plane = planeAnchored(
      at: position.latitudeDegrees, position.longitudeDegrees, position.heightMeters)
    take(EgoFromPose.state(pose.report, plane: plane, previous: ego.latest))
  }

  /// When the BSM source is chosen and `observation` is the vehicle's own BSM, its position,
  /// heading, speed and yaw rate become the ego (at its generation time) and true is returned:
  /// the sender is not an agent. False for every other message.
  mutating func observeOwn(_ observation: V2XObservation) -> Bool {
    guard let own = egoSelection.ownTemporaryID, case .bsm(let bsm) = observation.message,
      bsm.coreData.id == own
    else { return false }
    let si = BSMSIView(bsm.coreData)
    guard let latitude = si.latitudeDegrees, let longitude = si.longitudeDegrees,
      let generated = SecMark.generationTime(
        secMark: bsm.coreData.secMark, receiveTimeNanoseconds: observation.receiveTimeNanoseconds)
    else {
      egoSelection.posesRefused += 1
      return true
    }
    let height = si.elevationMetres ?? 0
    let plane = planeAnchored(at: latitude, longitude, height)
    var report = EgoFromPose.Report(
      position: GeodeticPosition(
        latitudeDegrees: latitude, longitudeDegrees: longitude, heightMeters: height),
      timeNanoseconds: generated,
      yaw: si.headingDegrees.map { headingToENUYaw(degreesFromNorthClockwise: $0) })
    report.speed = si.speedMetresPerSecond
    // Devices send yaw rate 0 when they have none (the field has no sentinel).
    report.yawRate =
      si.acceleration.yawRateDegreesPerSecond == 0 ? nil : si.acceleration.yawRateRadiansPerSecond
    if let major = si.accuracy.semiMajor { report.positionVariance = major * major }
    take(EgoFromPose.state(report, plane: plane, previous: ego.latest))
    return true
  }

  private mutating func take(_ state: EgoState) {
    if ego.append(state) {
      egoSelection.posesTaken += 1
    } else {
      egoSelection.posesRefused += 1
    }
  }

  /// The ego source and the newest pose's age at `time` (a frame's reference time).
  public func egoStatus(at time: Int64) -> EgoStatus {
    egoSelection.status(newest: ego.latest, at: time)
  }
}
