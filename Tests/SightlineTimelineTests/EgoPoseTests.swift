// EgoPoseTests: interpolation (position, shortest-arc yaw), constant-turn extrapolation against
// the analytic circle, the extrapolation bound, rejection of bad samples, the bounded ring, and
// ego states built from GNSS fixes.
import SightlineTimeline
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

private let second: Int64 = 1_000_000_000
private let t0: Int64 = 1_700_000_000 * 1_000_000_000  // a realistic UTC time

private func ego(
  _ t: Int64, _ east: Double, _ north: Double, yaw: Double = 0, speed: Double = 0,
  yawRate: Double = 0, variance: Double = 1
) -> EgoState {
  EgoState(
    timeNanoseconds: t, position: ENUPoint(east: east, north: north, up: 0), yaw: yaw,
    speed: speed, yawRate: yawRate, positionVariance: variance)
}

extension EgoTrajectory {
  // `append` is mutating, which #expect cannot call inside its expansion.
  fileprivate mutating func expectAppend(
    _ state: EgoState, accepted: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let result = append(state)
    #expect(result == accepted, sourceLocation: sourceLocation)
  }
}

@Test func interpolatesMidway() throws {
  var trajectory = EgoTrajectory()
  trajectory.expectAppend(ego(t0, 0, 0, yaw: 0.2, speed: 10, variance: 1))
  trajectory.expectAppend(ego(t0 + second, 10, 4, yaw: 0.4, speed: 12, variance: 3))
  let mid = try #require(trajectory.state(at: t0 + second / 2))
  #expect(mid.timeNanoseconds == t0 + second / 2)
  #expect(abs(mid.position.east - 5) < 1e-9 && abs(mid.position.north - 2) < 1e-9)
  #expect(abs(mid.yaw - 0.3) < 1e-12)
  #expect(abs(mid.speed - 11) < 1e-12)
  #expect(abs(mid.positionVariance - 2) < 1e-12)
  let quarter = try #require(trajectory.state(at: t0 + second / 4))
  #expect(abs(quarter.position.east - 2.5) < 1e-9)
  // A query on a sample returns the sample.
  #expect(trajectory.state(at: t0) == ego(t0, 0, 0, yaw: 0.2, speed: 10, variance: 1))
}

@Test func yawInterpolatesAcrossPi() throws {
  var trajectory = EgoTrajectory()
  trajectory.append(ego(t0, 0, 0, yaw: Double.pi - 0.1))
  trajectory.append(ego(t0 + second, 1, 0, yaw: -Double.pi + 0.1))
  // The short way round passes through π, not through 0.
  let mid = try #require(trajectory.state(at: t0 + second / 2))
  #expect(abs(abs(mid.yaw) - Double.pi) < 1e-12, "yaw \(mid.yaw)")
  let early = try #require(trajectory.state(at: t0 + second / 4))
  #expect(abs(early.yaw - (Double.pi - 0.05)) < 1e-12, "yaw \(early.yaw)")
  let late = try #require(trajectory.state(at: t0 + 3 * second / 4))
  #expect(abs(late.yaw - (-Double.pi + 0.05)) < 1e-12, "yaw \(late.yaw)")
}

@Test(arguments: [0.4, -0.25, 1e-7])
func extrapolationFollowsTheCircle(_ yawRate: Double) throws {
  let speed = 12.0
  let yaw = 2.9
  let start = ENUPoint(east: 5, north: -3, up: 1)
  var trajectory = EgoTrajectory()
  trajectory.append(ego(t0 - second / 10, 4, -3, yaw: yaw, speed: speed, yawRate: yawRate))
  trajectory.append(
    EgoState(
      timeNanoseconds: t0, position: start, yaw: yaw, speed: speed, yawRate: yawRate,
      positionVariance: 0.5))
  // Circle of radius v/ω; the centre lies to the left of the heading for ω > 0.
  let radius = speed / yawRate
  let centreEast = start.east - radius * sin(yaw)
  let centreNorth = start.north + radius * cos(yaw)
  var previousVariance = 0.5
  for step in 1...10 {
    let dt = Double(step) * 0.05
    let s = try #require(trajectory.state(at: t0 + Int64(step) * 50_000_000))
    let theta = yaw + yawRate * dt
    let east = centreEast + radius * sin(theta)
    let north = centreNorth - radius * cos(theta)
    let error =
      ((s.position.east - east) * (s.position.east - east)
      + (s.position.north - north) * (s.position.north - north)).squareRoot()
    // The analytic circle with a 1e-7 rad/s turn is ill-conditioned (radius 1.2e8 m): compare
    // that case to the straight line instead, which it matches to far below a centimetre.
    if abs(yawRate) > 1e-3 {
      #expect(error < 0.01, "dt \(dt): off the circle by \(error) m")
      #expect(error < 1e-6)
    } else {
      let straightEast = start.east + speed * dt * cos(yaw)
      let straightNorth = start.north + speed * dt * sin(yaw)
      #expect(abs(s.position.east - straightEast) < 1e-6)
      #expect(abs(s.position.north - straightNorth) < 1e-6)
    }
    #expect(abs(s.yaw - atan2(sin(theta), cos(theta))) < 1e-12)
    #expect(s.position.up == 1)
    #expect(s.speed == speed && s.yawRate == yawRate)
    #expect(s.positionVariance > previousVariance, "variance must grow with extrapolated time")
    previousVariance = s.positionVariance
  }
}

@Test func nilBeyondTheBoundsOfTheData() {
  var trajectory = EgoTrajectory(maximumExtrapolationSeconds: 0.5)
  #expect(trajectory.state(at: t0) == nil)  // empty
  trajectory.append(ego(t0, 0, 0, speed: 5))
  trajectory.append(ego(t0 + second, 5, 0, speed: 5))
  #expect(trajectory.state(at: t0 - 1) == nil)  // before the first sample
  #expect(trajectory.state(at: t0 + second + second / 2) != nil)  // exactly at the bound
  #expect(trajectory.state(at: t0 + second + second / 2 + 1) == nil)  // 1 ns beyond
  #expect(trajectory.state(at: Int64.max) == nil)
  #expect(trajectory.state(at: Int64.min) == nil)
}

@Test func zeroExtrapolationBoundStillAnswersAtTheLastSample() {
  var trajectory = EgoTrajectory(maximumExtrapolationSeconds: 0)
  trajectory.append(ego(t0, 1, 2))
  #expect(trajectory.state(at: t0)?.position == ENUPoint(east: 1, north: 2, up: 0))
  #expect(trajectory.state(at: t0 + 1) == nil)
}

@Test func rejectsOutOfOrderAndTeleports() {
  var trajectory = EgoTrajectory()
  trajectory.expectAppend(ego(t0, 0, 0))
  trajectory.expectAppend(ego(t0 + second, 20, 0))
  trajectory.expectAppend(ego(t0 + second / 2, 10, 0), accepted: false)  // out of order
  #expect(trajectory.rejected == 1)
  trajectory.expectAppend(ego(t0 + second, 20, 0), accepted: false)  // same time again
  #expect(trajectory.rejected == 2)
  trajectory.expectAppend(ego(t0 + 2 * second, 20, 150), accepted: false)  // 150 m in 1 s
  #expect(trajectory.rejected == 3)
  trajectory.expectAppend(ego(t0 + 2 * second, .nan, 0), accepted: false)
  #expect(trajectory.rejected == 4)
  // The next sample is judged against the last accepted one, not the teleport.
  trajectory.expectAppend(ego(t0 + 2 * second, 20, 95))  // 95 m/s: plausible
  #expect(trajectory.rejected == 4)
  #expect(trajectory.count == 3)
  // After a long gap a large displacement is plausible again.
  trajectory.expectAppend(ego(t0 + 62 * second, 5_000, 95))
  #expect(trajectory.latest?.position.east == 5_000)
}

@Test func capacityIsBounded() throws {
  var trajectory = EgoTrajectory(capacity: 8)
  for i in 0..<21 {
    trajectory.expectAppend(ego(t0 + Int64(i) * second, Double(i), 0, speed: 1))
  }
  #expect(trajectory.count == 8)
  #expect(trajectory.capacity == 8)
  #expect(trajectory.earliest?.timeNanoseconds == t0 + 13 * second)
  #expect(trajectory.latest?.timeNanoseconds == t0 + 20 * second)
  #expect(trajectory.state(at: t0 + 12 * second) == nil)  // evicted
  // Interpolation still finds the right pair in the wrapped ring, anywhere in it.
  for i in 13..<20 {
    let s = try #require(trajectory.state(at: t0 + Int64(i) * second + second / 2))
    #expect(abs(s.position.east - (Double(i) + 0.5)) < 1e-9)
  }
  trajectory.reset()
  #expect(trajectory.count == 0 && trajectory.state(at: t0 + 20 * second) == nil)
}

// MARK: - EgoFromGNSS

private let plane = LocalTangentPlane(
  origin: GeodeticPosition(latitudeDegrees: 37.0, longitudeDegrees: -122.0, heightMeters: 10))

@Test func gnssFixWithCourseAndSpeed() {
  let s = EgoFromGNSS.state(
    latitude: 37.001, longitude: -121.999, heightMeters: 12, speedMetersPerSecond: 8.0,
    courseDegrees: 158.3, timeNanoseconds: t0, plane: plane, previous: nil)
  let expected = plane.enu(
    GeodeticPosition(latitudeDegrees: 37.001, longitudeDegrees: -121.999, heightMeters: 12))
  #expect(s.position == expected)
  #expect(abs(s.yaw - (-68.3 * Double.pi / 180)) < 1e-12)
  #expect(s.speed == 8)
  #expect(s.yawRate == 0)
  #expect(abs(s.positionVariance - 6.25) < 1e-12)
  #expect(s.timeNanoseconds == t0)
}

@Test func gnssYawRateFromCourseChange() {
  let first = EgoFromGNSS.state(
    latitude: 37, longitude: -122, heightMeters: 10, speedMetersPerSecond: 10,
    courseDegrees: 350, timeNanoseconds: t0, plane: plane, previous: nil)
  // 350° → 10° is a 20° right turn (clockwise, so a negative ENU yaw rate) over 2 s.
  let second = EgoFromGNSS.state(
    latitude: 37.0002, longitude: -122, heightMeters: 10, speedMetersPerSecond: 10,
    courseDegrees: 10, timeNanoseconds: t0 + 2 * 1_000_000_000, plane: plane, previous: first)
  #expect(abs(second.yawRate - (-10 * Double.pi / 180)) < 1e-12, "rate \(second.yawRate)")
}

@Test func gnssWithoutSpeedOrCourseDerivesMotion() throws {
  let first = EgoFromGNSS.state(
    latitude: 37, longitude: -122, heightMeters: 10, speedMetersPerSecond: nil,
    courseDegrees: nil, timeNanoseconds: t0, plane: plane, previous: nil)
  #expect(first.speed == 0 && first.yaw == 0 && first.yawRate == 0)
  // Move 20 m north-east-ish in 1 s, no speed or course in the fix.
  let target = plane.geodetic(ENUPoint(east: 12, north: 16, up: 0))
  let moved = EgoFromGNSS.state(
    latitude: target.latitudeDegrees, longitude: target.longitudeDegrees,
    heightMeters: target.heightMeters, speedMetersPerSecond: nil, courseDegrees: nil,
    timeNanoseconds: t0 + 1_000_000_000, plane: plane, previous: first)
  #expect(abs(moved.speed - 20) < 1e-6)
  #expect(abs(moved.yaw - atan2(16, 12)) < 1e-9)
  // Standing still with a noisy course: the yaw is held, not taken from the course.
  let still = EgoFromGNSS.state(
    latitude: target.latitudeDegrees, longitude: target.longitudeDegrees,
    heightMeters: target.heightMeters, speedMetersPerSecond: 0.1, courseDegrees: 270,
    timeNanoseconds: t0 + 2_000_000_000, plane: plane, previous: moved)
  #expect(still.yaw == moved.yaw && still.yawRate == 0)
}

@Test func gnssStatesFeedTheTrajectory() throws {
  var trajectory = EgoTrajectory()
  var previous: EgoState?
  for i in 0..<5 {
    let p = plane.geodetic(ENUPoint(east: Double(i) * 10, north: 0, up: 0))
    let s = EgoFromGNSS.state(
      latitude: p.latitudeDegrees, longitude: p.longitudeDegrees, heightMeters: p.heightMeters,
      speedMetersPerSecond: 10, courseDegrees: 90, timeNanoseconds: t0 + Int64(i) * second,
      plane: plane, previous: previous)
    trajectory.expectAppend(s)
    previous = s
  }
  let ahead = try #require(trajectory.state(at: t0 + 4 * second + second / 4))
  #expect(abs(ahead.position.east - 42.5) < 1e-6 && abs(ahead.position.north) < 1e-6)
}
