import SightlineScenario
import SightlineV2X

/// What an equipped agent's radio sends: a BSM for a vehicle, a PSM for a pedestrian or
/// cyclist, with the units and sentinels J2735 defines (FIELD-NOTES §2).
enum J2735Message {
  static func encode(
    agent: Agent, latitude: Double, longitude: Double, elevation: Double, speed: Double,
    headingDegrees: Double, yawRateDegrees: Double, acceleration: Double, generation: Int64,
    count: Int
  ) throws -> [UInt8] {
    let secMark = UInt16((generation / 1_000_000) % 60_000)
    let lat = Int32((latitude * 1e7).rounded())
    let long = Int32((longitude * 1e7).rounded())
    let velocity = UInt16(min(8190, (speed / 0.02).rounded()))
    let heading = UInt16((headingDegrees / 0.0125).rounded()) % 28800
    // The receiver's own 1σ, honestly (units of 5 cm; 254 means 12.7 m or more).
    let sigma = UInt8(min(254, max(1, (agent.gnss.positionSigma / 0.05).rounded())))
    var accuracy = PositionalAccuracy.unavailable
    accuracy.semiMajor = sigma
    accuracy.semiMinor = sigma
    accuracy.orientation = 0
    let msgCnt = UInt8(count % 128)
    switch agent.kind {
    case .vehicle:
      var core = BSMCoreData.unavailable
      core.msgCnt = msgCnt
      core.id = agent.id
      core.secMark = secMark
      core.lat = lat
      core.long = long
      core.elev = Int32((elevation * 10).rounded())
      core.accuracy = accuracy
      core.transmission = 2  // forwardGears
      core.speed = velocity
      core.heading = heading
      // What the vehicle's IMU feels: longitudinal acceleration and yaw rate.
      core.accelSet.long = Int16(max(-2000, min(2000, (acceleration / 0.01).rounded())))
      core.accelSet.yaw = Int16(max(-32767, min(32767, (yawRateDegrees / 0.01).rounded())))
      core.size.width = UInt16((agent.width * 100).rounded())
      core.size.length = UInt16((agent.length * 100).rounded())
      return try J2735.encodeFrame(BasicSafetyMessage(coreData: core))
    case .pedestrian, .cyclist:
      let psm = PersonalSafetyMessage(
        basicType: agent.kind == .pedestrian ? 1 : 2, secMark: secMark, msgCnt: msgCnt,
        id: agent.id,
        position: Position3D(lat: lat, long: long, elevation: Int32((elevation * 10).rounded())),
        accuracy: accuracy, speed: velocity, heading: heading)
      return try J2735.encodeFrame(psm)
    }
  }
}
