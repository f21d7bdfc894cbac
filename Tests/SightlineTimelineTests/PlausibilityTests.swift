import SightlineTimeline
import Testing

/// Crafted V2X streams: what a spoofer or a broken device sends is dropped and its sender
/// quarantined; honest traffic passes untouched.
@Suite struct PlausibilityTests {
  static func report(
    _ id: UInt32, _ kind: AgentKind = .vehicle, at seconds: Double, x: Double, y: Double = 0,
    speed: Double? = nil, acceleration: Double? = nil
  ) -> AgentMeasurement {
    AgentMeasurement(
      id: id, kind: kind, generationTimeNanoseconds: Int64(seconds * 1e9),
      receiveTimeNanoseconds: Int64(seconds * 1e9) + 50_000_000, x: x, y: y, speed: speed,
      heading: 0, longitudinalAcceleration: acceleration)
  }

  @Test func honestHighwayTrafficPasses() {
    var check = PlausibilityCheck()
    for step in 0..<300 {  // 30 s of 10 Hz BSMs at 33 m/s, braking hard once
      let t = Double(step) / 10
      #expect(
        check.check(Self.report(1, at: t, x: 33 * t, speed: 33, acceleration: step == 150 ? -9 : 0))
          == nil)
    }
    #expect(check.dropped.allSatisfy { $0 == 0 } && check.quarantines == 0)
  }

  @Test func impossibleSpeedsAndAccelerationsAreDropped() {
    var check = PlausibilityCheck()
    #expect(check.check(Self.report(1, at: 0, x: 0, speed: 150)) == .speed)
    #expect(check.check(Self.report(2, .pedestrian, at: 0, x: 0, speed: 20)) == .speed)
    // 20 m/s is fine for a car and a cyclist, not for a person on foot.
    #expect(check.check(Self.report(3, at: 0, x: 0, speed: 20)) == nil)
    #expect(check.check(Self.report(4, .cyclist, at: 0, x: 0, speed: 20)) == nil)
    #expect(check.check(Self.report(5, at: 0, x: 0, speed: 10, acceleration: 40)) == .acceleration)
    #expect(check.dropped[PlausibilityCheck.Reason.speed.rawValue] == 2)
    #expect(check.dropped[PlausibilityCheck.Reason.acceleration.rawValue] == 1)
  }

  @Test func aJumpQuarantinesTheSenderForAWhile() {
    var check = PlausibilityCheck()
    #expect(check.check(Self.report(7, at: 0, x: 0, speed: 10)) == nil)
    #expect(check.check(Self.report(7, at: 0.1, x: 1, speed: 10)) == nil)
    // The same id 2 km away 0.1 s later: two senders, or a spoofer.
    #expect(check.check(Self.report(7, at: 0.2, x: 2000, speed: 10)) == .positionJump)
    #expect(check.quarantines == 1)
    // Its honest-looking reports stay out until the quarantine (10 s) ends…
    #expect(check.check(Self.report(7, at: 0.3, x: 3, speed: 10)) == .quarantined)
    #expect(check.check(Self.report(7, at: 9.9, x: 99, speed: 10)) == .quarantined)
    // …then it starts afresh.
    #expect(check.check(Self.report(7, at: 10.3, x: 103, speed: 10)) == nil)
    #expect(check.dropped[PlausibilityCheck.Reason.quarantined.rawValue] == 2)
    // Others were never affected.
    #expect(check.check(Self.report(8, at: 0.25, x: 50, speed: 10)) == nil)
  }

  @Test func anIdReusedLongAfterIsNotAJump() {
    var check = PlausibilityCheck()
    #expect(check.check(Self.report(9, at: 0, x: 0, speed: 10)) == nil)
    // Temporary ids are reused: 60 s later, far away, is a new sender.
    #expect(check.check(Self.report(9, at: 60, x: 5000, speed: 10)) == nil)
  }
}
