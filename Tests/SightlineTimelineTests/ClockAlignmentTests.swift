// ClockAlignmentTests: synthetic sensor/host streams with known offset and drift, exponential
// queueing and late outliers, from a seeded generator so every run sees the same samples.

import Foundation
import SightlineTimeline
import Testing

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, seedable, same sequence everywhere.
private struct ClockTestRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// A sensor clock against the host: host = sensor + offset + drift·(sensor − t0).
private struct ClockTestStream {
  static let t0: Int64 = 1_700_000_000_000_000_000
  var offsetNanoseconds: Double
  var driftPartsPerMillion: Double
  func host(forSensor sensor: Int64) -> Int64 {
    let elapsed = Double(sensor - Self.t0)
    return sensor + Int64((offsetNanoseconds + driftPartsPerMillion * 1e-6 * elapsed).rounded())
  }
}

/// Queueing delay: exponential with mean 2 ms, and 5% outliers of 50–300 ms.
private func queueing(_ rng: inout ClockTestRandom, outliers: Bool = true) -> Int64 {
  if outliers && rng.unit() < 0.05 { return Int64(50e6 + rng.unit() * 250e6) }
  return Int64(-2e6 * log(1 - rng.unit()))
}

private let millisecond: Int64 = 1_000_000
private let second: Int64 = 1_000_000_000
private let period: Int64 = 100 * millisecond  // 10 Hz

/// Feeds `count` samples at 10 Hz; returns the sensor times and every event with its index.
private func feed(
  _ alignment: inout ClockAlignment, clock: ClockTestStream, rng: inout ClockTestRandom,
  from start: Int = 0, count: Int, sensorStep: Int64 = 0, outliers: Bool = true
) -> (sensors: [Int64], events: [(Int, ClockEvent)]) {
  var sensors: [Int64] = []
  var events: [(Int, ClockEvent)] = []
  for index in start..<(start + count) {
    let trueSensor = ClockTestStream.t0 + Int64(index) * period
    let receive = clock.host(forSensor: trueSensor) + queueing(&rng, outliers: outliers)
    let sensor = trueSensor + sensorStep
    sensors.append(sensor)
    if let event = alignment.add(sensorTimeNanoseconds: sensor, receiveTimeNanoseconds: receive) {
      events.append((index, event))
    }
  }
  return (sensors, events)
}

@Test func splitMixMatchesReferenceSequence() {
  var rng = ClockTestRandom(seed: 0)
  #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
}

@Test func emptyAlignmentHasNoEstimate() {
  let alignment = ClockAlignment()
  #expect(alignment.estimate == nil)
  #expect(alignment.hostTime(forSensorTime: 0) == nil)
  #expect(alignment.sensorTime(forHostTime: 0) == nil)
}

@Test(arguments: [
  (37.2e6, 50.0, UInt64(1)),
  (-12.5e6, -80.0, UInt64(2)),
  (250e6, 0.0, UInt64(3)),
])
func recoversOffsetAndDrift(offset: Double, drift: Double, seed: UInt64) throws {
  let clock = ClockTestStream(offsetNanoseconds: offset, driftPartsPerMillion: drift)
  var rng = ClockTestRandom(seed: seed)
  var alignment = ClockAlignment()
  var worstOnline: Int64 = 0
  var goodSamples = 0
  var sensors: [Int64] = []
  for index in 0..<600 {
    let sensor = ClockTestStream.t0 + Int64(index) * period
    let receive = clock.host(forSensor: sensor) + queueing(&rng)
    let event = alignment.add(sensorTimeNanoseconds: sensor, receiveTimeNanoseconds: receive)
    #expect(event == nil, "sample \(index)")
    sensors.append(sensor)
    // Online: once the estimate says good, every new sample maps within the budget.
    if alignment.estimate?.quality == .good {
      goodSamples += 1
      let host = try #require(alignment.hostTime(forSensorTime: sensor))
      worstOnline = max(worstOnline, abs(host - clock.host(forSensor: sensor)))
    }
  }
  #expect(goodSamples > 450)
  #expect(worstOnline < 500_000)

  // Over the whole stream, including the 8.8 s before the window: drift must be right.
  var worst: Int64 = 0
  for sensor in sensors {
    let host = try #require(alignment.hostTime(forSensorTime: sensor))
    worst = max(worst, abs(host - clock.host(forSensor: sensor)))
  }
  #expect(worst < 500_000)

  let estimate = try #require(alignment.estimate)
  #expect(abs(estimate.driftPartsPerMillion - drift) < 2)
  let last = sensors[sensors.count - 1]
  #expect(abs(estimate.offsetNanoseconds - (clock.host(forSensor: last) - last)) < 200_000)
  #expect(estimate.quality == .good)
  #expect(estimate.samples == 512)
  #expect(estimate.sensorTimeNanoseconds == last)
  // The median queueing of exponential(2 ms) is ln 2 · 2 ms ≈ 1.39 ms.
  #expect(estimate.residualSpreadNanoseconds > 1 * millisecond)
  #expect(estimate.residualSpreadNanoseconds < 2 * millisecond)
}

@Test func sensorTimeInvertsHostTime() throws {
  let clock = ClockTestStream(offsetNanoseconds: 37.2e6, driftPartsPerMillion: 50)
  var rng = ClockTestRandom(seed: 4)
  var alignment = ClockAlignment()
  let (sensors, _) = feed(&alignment, clock: clock, rng: &rng, count: 300)
  for sensor in [sensors[0], sensors[150], sensors[299], sensors[299] + 3_600 * second] {
    let host = try #require(alignment.hostTime(forSensorTime: sensor))
    let back = try #require(alignment.sensorTime(forHostTime: host))
    #expect(abs(back - sensor) <= 1)
  }
}

@Test(arguments: [10 * second, -10 * second])
func clockJumpIsDetectedAndFitReconverges(step: Int64) throws {
  let clock = ClockTestStream(offsetNanoseconds: 37.2e6, driftPartsPerMillion: 50)
  var rng = ClockTestRandom(seed: 5)
  var alignment = ClockAlignment()
  let before = feed(&alignment, clock: clock, rng: &rng, count: 300)
  #expect(before.events.isEmpty)
  let after = feed(&alignment, clock: clock, rng: &rng, from: 300, count: 300, sensorStep: step)

  #expect(after.events.count == 1)
  let (index, event) = try #require(after.events.first)
  #expect(
    index >= 302 && index <= 310, "confirmed by the 3rd (early) or 5th (late) sample or soon after")
  guard case .jump(let delta) = event else {
    Issue.record("expected a jump, got \(event)")
    return
  }
  #expect(abs(delta - step) < 10 * millisecond)

  // Re-converged: the post-jump sensor times map to the truth again.
  let estimate = try #require(alignment.estimate)
  #expect(estimate.quality == .good)
  #expect(estimate.samples <= 300)
  #expect(abs(estimate.driftPartsPerMillion - 50) < 3)
  for sensor in after.sensors[50...] {
    let host = try #require(alignment.hostTime(forSensorTime: sensor))
    #expect(abs(host - clock.host(forSensor: sensor - step)) < 500_000)
  }
}

@Test func lateOutliersAreNotJumps() throws {
  let clock = ClockTestStream(offsetNanoseconds: 37.2e6, driftPartsPerMillion: 50)
  var rng = ClockTestRandom(seed: 6)
  var alignment = ClockAlignment()
  _ = feed(&alignment, clock: clock, rng: &rng, count: 200, outliers: false)
  let reference = try #require(alignment.estimate)
  #expect(reference.quality == .good)

  // One sample a second late: pending, flagged, not a jump.
  let lateSensor = ClockTestStream.t0 + 200 * period
  let late = alignment.add(
    sensorTimeNanoseconds: lateSensor,
    receiveTimeNanoseconds: clock.host(forSensor: lateSensor) + second)
  #expect(late == nil)
  #expect(alignment.estimate?.quality == .degraded)

  // Two early samples (impossible by queueing): still not confirmed.
  for index in 201...202 {
    let sensor = ClockTestStream.t0 + Int64(index) * period
    let event = alignment.add(
      sensorTimeNanoseconds: sensor,
      receiveTimeNanoseconds: clock.host(forSensor: sensor) - 500 * millisecond)
    #expect(event == nil)
  }

  // Normal samples resolve them; the fit was never touched.
  let rest = feed(&alignment, clock: clock, rng: &rng, from: 203, count: 20, outliers: false)
  #expect(rest.events.isEmpty)
  let estimate = try #require(alignment.estimate)
  #expect(estimate.quality == .good)
  #expect(abs(estimate.driftPartsPerMillion - reference.driftPartsPerMillion) < 1)
  let host = try #require(alignment.hostTime(forSensorTime: lateSensor))
  #expect(abs(host - clock.host(forSensor: lateSensor)) < 500_000)
}

@Test func queueStallBurstIsNotAJump() throws {
  let clock = ClockTestStream(offsetNanoseconds: 37.2e6, driftPartsPerMillion: 50)
  var rng = ClockTestRandom(seed: 7)
  var alignment = ClockAlignment()
  _ = feed(&alignment, clock: clock, rng: &rng, count: 200)

  // A 600 ms stall: six samples queued, then released together (residuals 600, 500, … ms).
  let firstSensor = ClockTestStream.t0 + 200 * period
  let release = clock.host(forSensor: firstSensor) + 600 * millisecond
  for index in 200..<206 {
    let sensor = ClockTestStream.t0 + Int64(index) * period
    let event = alignment.add(sensorTimeNanoseconds: sensor, receiveTimeNanoseconds: release)
    #expect(event == nil)
  }
  let rest = feed(&alignment, clock: clock, rng: &rng, from: 206, count: 50)
  #expect(rest.events.isEmpty)
  let last = try #require(rest.sensors.last)
  let host = try #require(alignment.hostTime(forSensorTime: last))
  #expect(abs(host - clock.host(forSensor: last)) < 500_000)
}

@Test func silenceIsHoldoverThenRecovered() throws {
  let clock = ClockTestStream(offsetNanoseconds: 37.2e6, driftPartsPerMillion: 50)
  var rng = ClockTestRandom(seed: 8)
  var alignment = ClockAlignment()
  _ = feed(&alignment, clock: clock, rng: &rng, count: 200)
  let lastSensor = ClockTestStream.t0 + 199 * period
  let lastHost = clock.host(forSensor: lastSensor)

  #expect(alignment.advance(hostTimeNanoseconds: lastHost + 1_500 * millisecond) == nil)
  #expect(alignment.estimate?.quality == .good)
  #expect(alignment.advance(hostTimeNanoseconds: lastHost + 3 * second) == .holdover)
  #expect(alignment.estimate?.quality == .holdover)
  #expect(alignment.advance(hostTimeNanoseconds: lastHost + 3_100 * millisecond) == nil)

  // Extrapolated through the silence, still within budget.
  let silentSensor = lastSensor + 3 * second
  let extrapolated = try #require(alignment.hostTime(forSensorTime: silentSensor))
  #expect(abs(extrapolated - clock.host(forSensor: silentSensor)) < 500_000)

  // The first sample after the silence recovers.
  let resumed = feed(&alignment, clock: clock, rng: &rng, from: 232, count: 20)
  #expect(resumed.events.count == 1)
  #expect(resumed.events.first?.1 == .recovered)
  #expect(resumed.events.first?.0 == 232)
  #expect(alignment.estimate?.quality == .good)

  // A gap noticed only when it ends still reports the recovery.
  let gapped = feed(&alignment, clock: clock, rng: &rng, from: 300, count: 5)
  #expect(gapped.events.map(\.1) == [.recovered])
}

@Test func windowBoundsMemory() throws {
  let clock = ClockTestStream(offsetNanoseconds: 37.2e6, driftPartsPerMillion: 50)
  var rng = ClockTestRandom(seed: 9)
  var alignment = ClockAlignment(window: 128)
  var worst: Int64 = 0
  for index in 0..<2_000 {
    let sensor = ClockTestStream.t0 + Int64(index) * period
    _ = alignment.add(
      sensorTimeNanoseconds: sensor,
      receiveTimeNanoseconds: clock.host(forSensor: sensor) + queueing(&rng))
    let estimate = try #require(alignment.estimate)
    #expect(estimate.samples <= 128)
    if estimate.quality == .good {
      let host = try #require(alignment.hostTime(forSensorTime: sensor))
      worst = max(worst, abs(host - clock.host(forSensor: sensor)))
    }
  }
  #expect(worst < 500_000)
  #expect(alignment.estimate?.samples == 128)
  #expect(alignment.window == 128)
}

@Test func bucketsStretchTheWindowOverAHighRateStream() throws {
  let clock = ClockTestStream(offsetNanoseconds: -3.3e6, driftPartsPerMillion: 30)
  var rng = ClockTestRandom(seed: 10)
  var alignment = ClockAlignment(window: 128, bucketNanoseconds: 100 * millisecond)
  let packetPeriod = millisecond  // 1 kHz, like LiDAR packets
  var sensors: [Int64] = []
  for index in 0..<20_000 {
    let sensor = ClockTestStream.t0 + Int64(index) * packetPeriod
    sensors.append(sensor)
    let event = alignment.add(
      sensorTimeNanoseconds: sensor,
      receiveTimeNanoseconds: clock.host(forSensor: sensor) + queueing(&rng))
    #expect(event == nil)
  }
  let estimate = try #require(alignment.estimate)
  #expect(estimate.samples == 128)
  #expect(estimate.quality == .good)
  #expect(abs(estimate.driftPartsPerMillion - 30) < 2)
  for sensor in sensors[(20_000 - 12_800)...] {
    let host = try #require(alignment.hostTime(forSensorTime: sensor))
    #expect(abs(host - clock.host(forSensor: sensor)) < 500_000)
  }
}

@Test func sameSeedSameResult() {
  func run(seed: UInt64) -> (ClockEstimate?, [ClockEvent]) {
    let clock = ClockTestStream(offsetNanoseconds: 37.2e6, driftPartsPerMillion: 50)
    var rng = ClockTestRandom(seed: seed)
    var alignment = ClockAlignment()
    var events = feed(&alignment, clock: clock, rng: &rng, count: 200).events.map(\.1)
    events += feed(&alignment, clock: clock, rng: &rng, from: 200, count: 100, sensorStep: second)
      .events.map(\.1)
    return (alignment.estimate, events)
  }
  let first = run(seed: 11)
  let again = run(seed: 11)
  #expect(first.0 == again.0)
  #expect(first.1 == again.1)
  #expect(first.1.count == 1)
  #expect(run(seed: 12).0 != first.0)
}

@Test func lateFirstSampleDoesNotSkewTheFit() throws {
  let clock = ClockTestStream(offsetNanoseconds: 37.2e6, driftPartsPerMillion: 50)
  var rng = ClockTestRandom(seed: 13)
  var alignment = ClockAlignment()
  let first = ClockTestStream.t0 - period
  #expect(
    alignment.add(
      sensorTimeNanoseconds: first,
      receiveTimeNanoseconds: clock.host(forSensor: first) + 250 * millisecond) == nil)
  #expect(alignment.estimate?.quality == .unknown)
  let stream = feed(&alignment, clock: clock, rng: &rng, count: 200)
  #expect(stream.events.isEmpty)
  let last = try #require(stream.sensors.last)
  let host = try #require(alignment.hostTime(forSensorTime: last))
  #expect(abs(host - clock.host(forSensor: last)) < 500_000)
  #expect(alignment.estimate?.quality == .good)
}
