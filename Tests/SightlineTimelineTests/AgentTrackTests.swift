// AgentTrackTests: one track per temporary id, bounded history and capacity, expiry by age,
// out-of-order and duplicate rejection, every loss counted.
import Testing

@testable import SightlineTimeline

@Suite struct AgentTrackTests {
  static let ms: Int64 = 1_000_000

  static func m(
    _ id: UInt32, at milliseconds: Int64, x: Double = 0, y: Double = 0, speed: Double? = 10,
    heading: Double? = 0, receiveDelay: Int64 = 50
  ) -> AgentMeasurement {
    AgentMeasurement(
      id: id, kind: .vehicle, generationTimeNanoseconds: milliseconds * ms,
      receiveTimeNanoseconds: (milliseconds + receiveDelay) * ms, x: x, y: y, speed: speed,
      heading: heading, accuracySemiMajor: 1, accuracySemiMinor: 1, accuracyOrientation: 0)
  }

  @Test func agentsAreExtrapolatedFromTheLatestMeasurement() {
    var store = AgentTrackStore()
    let accepted1 = store.observe(Self.m(1, at: 0, x: 0))
    #expect(accepted1)
    let accepted2 = store.observe(Self.m(1, at: 100, x: 1))
    #expect(accepted2)
    var out: [ExtrapolatedAgent] = [
      MotionModel.extrapolate(Self.m(99, at: 0), to: 0, processNoise: .vehicle)
    ]
    store.agents(at: 300 * Self.ms, into: &out)
    #expect(out.count == 1)
    #expect(out.first?.id == 1)
    #expect(abs((out.first?.x ?? 0) - 3.0) < 1e-9)
    #expect(out.first?.latencyNanoseconds == 200 * Self.ms)
    #expect(out.first?.model == .constantVelocity)
  }

  @Test func tracksExpireAfterMaximumAge() {
    var store = AgentTrackStore(maximumAgeSeconds: 1.0)
    store.observe(Self.m(1, at: 0))
    store.observe(Self.m(2, at: 500))
    var out: [ExtrapolatedAgent] = []
    store.agents(at: 900 * Self.ms, into: &out)
    #expect(out.count == 2 && store.dropped == 0)
    store.agents(at: 1_100 * Self.ms, into: &out)
    #expect(out.map(\.id) == [2])
    #expect(store.dropped == 1 && store.count == 1)
    store.agents(at: 1_600 * Self.ms, into: &out)
    #expect(out.isEmpty && store.dropped == 2 && store.count == 0)
  }

  @Test func silenceLongerThanMaximumAgeStartsANewTrack() {
    var store = AgentTrackStore(maximumAgeSeconds: 1.0)
    store.observe(Self.m(1, at: 0))
    store.observe(Self.m(1, at: 100))
    #expect(store.track(id: 1)?.observations == 2)
    let accepted3 = store.observe(Self.m(1, at: 2_000))
    #expect(accepted3)
    #expect(store.dropped == 1)
    #expect(store.track(id: 1)?.observations == 1)
    #expect(store.track(id: 1)?.historyCount == 1)
  }

  @Test func futureDatedSenderCannotKeepItselfAlive() {
    var store = AgentTrackStore(maximumAgeSeconds: 1.0)
    // Stamped 10 s after it was received: ages by the receive clock instead.
    store.observe(Self.m(1, at: 10_000, receiveDelay: -10_000))
    var out: [ExtrapolatedAgent] = []
    store.agents(at: 500 * Self.ms, into: &out)
    #expect(out.count == 1 && out[0].futureDated && out[0].x == 0)
    store.agents(at: 1_500 * Self.ms, into: &out)
    #expect(out.isEmpty && store.dropped == 1)
  }

  @Test func newIdIsANewTrackNeverMerged() {
    var store = AgentTrackStore()
    store.observe(Self.m(1, at: 0, x: 0))
    // Same place, next message, new temporary id (privacy change): a second track.
    store.observe(Self.m(2, at: 100, x: 1))
    #expect(store.count == 2)
    #expect(store.track(id: 1)?.observations == 1 && store.track(id: 2)?.observations == 1)
    var out: [ExtrapolatedAgent] = []
    store.agents(at: 200 * Self.ms, into: &out)
    #expect(Set(out.map(\.id)) == [1, 2])
    let one = out.first { $0.id == 1 }
    let two = out.first { $0.id == 2 }
    #expect(abs((one?.x ?? 0) - 2) < 1e-9 && abs((two?.x ?? 0) - 2) < 1e-9)
  }

  @Test func outOfOrderAndDuplicatesAreRejected() {
    var store = AgentTrackStore()
    let accepted4 = store.observe(Self.m(1, at: 200, x: 2))
    #expect(accepted4)
    let accepted5 = store.observe(Self.m(1, at: 100, x: 1))
    #expect(!accepted5)
    let accepted6 = store.observe(Self.m(1, at: 200, x: 9))
    #expect(!accepted6)
    #expect(store.outOfOrder == 1 && store.duplicates == 1)
    #expect(store.track(id: 1)?.latest.x == 2)
    #expect(store.track(id: 1)?.observations == 1)
    var bad = Self.m(3, at: 300)
    bad.x = .nan
    let accepted7 = store.observe(bad)
    #expect(!accepted7)
    #expect(store.invalid == 1 && store.count == 1)
  }

  @Test func aFullStoreRefusesNewIdsUntilTracksExpire() {
    var store = AgentTrackStore(maximumAgeSeconds: 1, capacity: 3)
    store.observe(Self.m(1, at: 0))
    store.observe(Self.m(2, at: 10))
    store.observe(Self.m(3, at: 20))
    // A flood of new ids cannot push out the agents already tracked.
    for id in UInt32(10)..<UInt32(110) {
      let accepted = store.observe(Self.m(id, at: 30 + Int64(id)))
      #expect(!accepted)
    }
    #expect(store.count == 3 && store.refusedFull == 100)
    #expect(store.track(id: 1) != nil && store.track(id: 2) != nil && store.track(id: 3) != nil)
    // Known ids still update.
    let known = store.observe(Self.m(2, at: 500))
    #expect(known)
    // Once 1 and 3 are silent past the maximum age, newcomers get their places.
    let first = store.observe(Self.m(200, at: 1_100))
    let second = store.observe(Self.m(201, at: 1_101))
    let third = store.observe(Self.m(202, at: 1_102))
    #expect(first && second && !third)
    #expect(store.dropped == 2 && store.refusedFull == 101)
    #expect(store.track(id: 2) != nil && store.track(id: 200) != nil)
  }

  @Test func historyIsABoundedRing() {
    var store = AgentTrackStore(historyLength: 5)
    for i in 1...12 { store.observe(Self.m(1, at: Int64(i) * 100, x: Double(i))) }
    let track = store.track(id: 1)
    #expect(track?.observations == 12)
    #expect(track?.historyCount == 5)
    #expect(track?.latest.x == 12)
    #expect((0..<5).map { track?.measurement(back: $0)?.x } == [12, 11, 10, 9, 8])
    #expect(track?.measurement(back: 5) == nil && track?.measurement(back: -1) == nil)
  }

  @Test func outputOrderDependsOnlyOnInput() {
    func run() -> [UInt32] {
      var store = AgentTrackStore()
      for id in [UInt32(50), 3, 17, 999, 4] { store.observe(Self.m(id, at: 0)) }
      store.observe(Self.m(17, at: 1_500))  // 17 restarts (silent > 1 s) in its old slot
      var out: [ExtrapolatedAgent] = []
      store.agents(at: 600 * Self.ms, into: &out)
      return out.map(\.id)
    }
    #expect(run() == [50, 3, 17, 999, 4])
    #expect(run() == run())
  }
}
