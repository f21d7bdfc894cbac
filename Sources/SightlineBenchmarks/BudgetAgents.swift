import Foundation
import SightlineLidar
import SightlinePipeline
import SightlineTimeline
import SightlineV2X
import SightlineVelodyne

/// The V2X agents of `bench budget`: cars driving circles around a parked ego, each sending a
/// BSM per frame that is `latencyMilliseconds` old when the frame is made, with a wide
/// accuracy ellipse (σ beyond the painter's 3 m cap), so that every agent paints the largest
/// area it can. Circles of radius 6–44 m keep them inside the default ±50 m window for ever;
/// speeds of 3–15 m/s and their yaw rates exercise the extrapolator. Deterministic.
struct BudgetAgents {
  let count: Int
  /// Generation to frame time, ms: the extrapolation spreads the covariance by that much.
  let latencyMilliseconds: Int64 = 150
  /// J2735 semi-major/minor, 0.05 m units (5 m by default).
  let accuracyUnits: UInt8
  let plane = LocalTangentPlane(
    origin: GeodeticPosition(latitudeDegrees: 42.3, longitudeDegrees: -83.4))

  /// `accuracyMeters`: the 1σ semi-axes each car reports (0.05 to 12.7 m).
  init(count: Int, accuracyMeters: Double = 5) {
    self.count = max(0, count)
    accuracyUnits = UInt8(min(254, max(1, (accuracyMeters / 0.05).rounded())))
  }

  /// A stationary ego at the plane's origin, so the grid is centred on the circles.
  func egoFix(at time: Int64) -> GNSSFix {
    GNSSFix(
      utcNanoseconds: time, latitude: plane.origin.latitudeDegrees,
      longitude: plane.origin.longitudeDegrees, speedMetersPerSecond: 0, courseDegrees: 0)
  }

  /// An ego driving a 300 m circle at `speed` (m/s), a fix every 100 ms from a second before
  /// the first of `times` to a second after the last: every sweep then has a moving pose at
  /// both ends and is de-skewed, as on a road.
  static func drivingEgo(over times: [Int64], speed: Double) -> [GNSSFix] {
    guard let first = times.min(), let last = times.max() else { return [] }
    let plane = LocalTangentPlane(
      origin: GeodeticPosition(latitudeDegrees: 42.3, longitudeDegrees: -83.4))
    let radius = 300.0
    return stride(from: first - 1_000_000_000, through: last + 1_000_000_000, by: 100_000_000)
      .map { time in
        let angle = speed / radius * Double(time - first) / 1e9
        let position = plane.geodetic(
          ENUPoint(east: radius * sin(angle), north: radius * (1 - cos(angle))))
        return GNSSFix(
          utcNanoseconds: time, latitude: position.latitudeDegrees,
          longitude: position.longitudeDegrees, speedMetersPerSecond: speed,
          courseDegrees: enuYawToHeading(radiansFromEastCounterClockwise: angle))
      }
  }

  /// Frame `index` of a run that cycles `sweeps` at 10 Hz on one timeline: the sweep copied into
  /// `scratch` (its buffer reused) and moved to end at the frame's time, which it returns, and the
  /// ego and every agent observed for that time. Outside any timed region.
  func prepareFrame(
    _ index: Int, of sweeps: [Sweep], into scratch: inout Sweep, loop: FrameLoop
  ) -> Int64 {
    let source = sweeps[index % sweeps.count]
    let time = sweeps[0].endNanoseconds + Int64(index) * 100_000_000
    scratch.points.removeAll(keepingCapacity: true)
    scratch.points.append(contentsOf: source.points)
    scratch.startNanoseconds = time - (source.endNanoseconds - source.startNanoseconds)
    scratch.endNanoseconds = time
    if count > 0 {
      loop.observe(egoFix(at: time))
      for observation in observations(forFrameAt: time) { loop.observe(observation) }
    }
    return time
  }

  /// Every agent's message for the frame at `time` (sensor clock, UTC ns).
  func observations(forFrameAt time: Int64) -> [V2XObservation] {
    let generated = time - latencyMilliseconds * 1_000_000
    return (0..<count).map { index in
      V2XObservation(
        message: .bsm(BasicSafetyMessage(coreData: core(index, generatedAt: generated))),
        receiveTimeNanoseconds: generated + 20_000_000, ageMilliseconds: 20, outOfOrder: false,
        source: 0)
    }
  }

  /// Agent `index` at `generated`: on a circle about the ego, counter-clockwise.
  func core(_ index: Int, generatedAt generated: Int64) -> BSMCoreData {
    let radius = 6 + Double(index % 20) * 2
    let speed = 3 + Double(index % 7) * 2
    let rate = speed / radius
    let angle = Double(index) * 2.399963 + rate * Double(generated % 3_600_000_000_000) / 1e9
    let position = plane.geodetic(
      ENUPoint(east: radius * cos(angle), north: radius * sin(angle)))
    let yaw = angle + Double.pi / 2
    var core = BSMCoreData.unavailable
    core.id = 0x0B00_0000 + UInt32(index)
    core.msgCnt = UInt8(truncatingIfNeeded: generated / 100_000_000) & 0x7F
    core.secMark = UInt16((generated / 1_000_000) % 60_000)
    core.lat = Int32((position.latitudeDegrees * 1e7).rounded())
    core.long = Int32((position.longitudeDegrees * 1e7).rounded())
    core.elev = 0
    core.accuracy.semiMajor = accuracyUnits
    core.accuracy.semiMinor = accuracyUnits
    core.accuracy.orientation = 0
    core.transmission = 2  // forward gears
    core.speed = UInt16((speed / 0.02).rounded())
    core.heading =
      UInt16(
        (enuYawToHeading(radiansFromEastCounterClockwise: yaw) / 0.0125).rounded()) % 28_800
    core.accelSet.long = 0
    core.accelSet.yaw = Int16((rate * 180 / Double.pi * 100).rounded())
    core.size.width = 180
    core.size.length = 450
    return core
  }
}
