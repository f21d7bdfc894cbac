import Foundation
import SightlineLidar
import SightlinePcap
import SightlineSchema
import Testing

@testable import SightlineLive
@testable import SightlinePipeline

/// Collects what a frame loop hands its sinks.
final class CollectingSink: FrameSink {
  var grids: [[UInt8]] = []
  var agents: [[UInt8]] = []
  var stats: [[UInt8]] = []
  var finished = 0
  var closed: [Bool] = []
  var wantsFrames = true

  func take(frame: GridFrame, grid: [UInt8], agents: [UInt8]) throws {
    grids.append(grid)
    self.agents.append(agents)
  }
  func take(stats: [UInt8]) throws { self.stats.append(stats) }
  func finish() throws { finished += 1 }
  func close(discardPending: Bool) { closed.append(discardPending) }
}

/// The pieces that wire the rooms together: sinks, the capture path, threads, stop tokens, the
/// live run's LiDAR rules and the counters' hand-over.
@Suite struct WiringTests {
  static func config() -> SightlineConfig {
    var config = SightlineConfig()
    config.grid.columns = 200
    config.grid.rows = 200
    return config
  }

  @Test func everySinkGetsTheSameFramesStatsAndEndInOrder() throws {
    let first = CollectingSink()
    let second = CollectingSink()
    let loop = FrameLoop(config: Self.config(), live: false, sinks: [first, second])
    loop.digest = FrameDigest()
    for index in 0..<3 {
      var sweep = wallSweep(time: 1_000_000_000 + Int64(index) * 100_000_000)
      try loop.process(&sweep, decodeNanoseconds: 0, clock: sweep.endNanoseconds)
    }
    try loop.publishEndOfStream(inputError: false, clock: 2_000_000_000)
    loop.close()
    #expect(first.grids.count == 3 && first.agents.count == 3)
    #expect(first.grids == second.grids && first.agents == second.agents)
    // Stats: with the first frame (the clock starts the once-a-second rule), and at the end.
    #expect(first.stats.count == 2 && first.stats == second.stats)
    let last = try StatsMessage.decode(try #require(first.stats.last))
    #expect(last.endOfStream && last.framesPublished == 3)
    #expect(first.finished == 1 && first.closed == [false])
    #expect(loop.framesPublished == 3 && loop.records.count == 3)
    // The digest covers the bytes the sinks were given, so a sink cannot change what it hashes.
    var digest = FrameDigest()
    for (grid, agents) in zip(first.grids, first.agents) {
      digest.add(grid)
      digest.add(agents)
    }
    #expect(digest == loop.digest)
  }

  @Test func aBackgroundSinkDeliversInOrderOffTheFrameThreadAndCountsWhatItDrops() throws {
    let collected = CollectingSink()
    let background = BackgroundSink(
      wrapping: collected, name: "test-background", buffers: 1, bytesPerFrame: 1 << 20)
    let slow = SlowSink()
    let behind = BackgroundSink(
      wrapping: slow, name: "test-behind", buffers: 1, bytesPerFrame: 1 << 20)
    let direct = CollectingSink()
    let loop = FrameLoop(config: Self.config(), live: false, sinks: [direct, background])
    for index in 0..<4 {
      var sweep = wallSweep(time: 1_000_000_000 + Int64(index) * 100_000_000)
      try loop.process(&sweep, decodeNanoseconds: 0, clock: sweep.endNanoseconds)
      try background.finish()  // waits until the worker has it: nothing dropped
    }
    try loop.publishEndOfStream(inputError: false, clock: 2_000_000_000)
    loop.close()
    #expect(collected.grids == direct.grids && collected.agents == direct.agents)
    #expect(collected.stats == direct.stats && background.dropped == 0)
    #expect(collected.closed == [false])
    // A sink far behind: frames beyond its one buffer are dropped and counted, never waited on.
    let frame = loop.frame
    for _ in 0..<5 { try behind.take(frame: frame, grid: direct.grids[0], agents: []) }
    slow.release()  // the first frame held its one buffer while the four others came
    try behind.finish()
    behind.close(discardPending: true)
    #expect(behind.dropped == 4 && slow.frames == 1)
  }

  @Test func aBackgroundSinkCopiesNoFrameItsSinkDoesNotWant() throws {
    let idle = CollectingSink()
    idle.wantsFrames = false  // a Foxglove server nobody subscribed to
    let background = BackgroundSink(
      wrapping: idle, name: "test-idle", buffers: 1, bytesPerFrame: 1 << 20)
    let loop = FrameLoop(config: Self.config(), live: false, sinks: [background])
    for index in 0..<3 {
      var sweep = wallSweep(time: 1_000_000_000 + Int64(index) * 100_000_000)
      try loop.process(&sweep, decodeNanoseconds: 0, clock: sweep.endNanoseconds)
    }
    idle.wantsFrames = true
    var sweep = wallSweep(time: 1_400_000_000)
    try loop.process(&sweep, decodeNanoseconds: 0, clock: sweep.endNanoseconds)
    try loop.publishEndOfStream(inputError: false, clock: 2_000_000_000)
    loop.close()
    #expect(idle.grids.count == 1 && background.dropped == 0)
    #expect(!idle.stats.isEmpty && idle.finished == 1)
  }

  @Test func aCaptureOfAnUnreadableLinkTypeIsOneClearError() throws {
    var capture = try PcapBytes(path: bundledCapture)
    capture.header[20] = 147  // LINKTYPE_USER0
    let path = temporaryPath("user0.pcap")
    try capture.write(to: path)
    #expect {
      _ = try LinkLayerCapture(path: path)
    } throws: { error in
      guard let error = error as? PcapError, case .unsupportedLinkType(147) = error.kind else {
        return false
      }
      return "\(error)".contains("unsupported link type 147")
    }
  }

  @Test func aDamagedCaptureIsReturnedAfterItsGoodRecords() throws {
    let original = try PcapBytes(path: bundledCapture)
    let bytes = original.serialized()
    let path = temporaryPath("cut.pcap")
    try Data(bytes[0..<(bytes.count - 100)]).write(to: URL(fileURLWithPath: path))
    let capture = try LinkLayerCapture(path: path)
    var read = 0
    let damage = try capture.read { _ in read += 1 }
    #expect(damage != nil)
    #expect(read == original.records.count - 1)
    // And a stop ends the read early, without damage.
    let again = try LinkLayerCapture(path: bundledCapture)
    var taken = 0
    #expect(try again.read(until: { taken >= 10 }) { _ in taken += 1 } == nil)
    #expect(taken == 10)
  }

  @Test func aWorkerReportsReadyFailureAndStops() throws {
    struct Broken: Error {}
    let failing = WorkerThread(name: "test-failing")
    failing.start { _ in throw Broken() }
    #expect(!failing.waitUntilReady())
    failing.join()
    #expect(failing.failure is Broken)

    let looping = WorkerThread(name: "test-looping")
    let turns = Counter()
    looping.start { worker in
      turns.add()  // at least one turn, however soon the stop comes
      worker.signalReady()
      while !worker.isStopping { turns.add() }
    }
    #expect(looping.waitUntilReady())
    looping.stop()
    looping.join()
    #expect(looping.failure == nil && turns.value > 0)
  }

  @Test func aStopTokenStopsItsOwnRunOnly() {
    let mine = StopToken()
    let other = StopToken()
    mine.request()
    #expect(mine.isRequested && !other.isRequested)
    let reload = ReloadTrigger()
    reload.request()
    #expect(reload.take() && !reload.take())
  }

  @Test func frameTimesNeverGoBackWhenSweepsAreLateOrTheSensorClockChanges() {
    let second: Int64 = 1_000_000_000
    let timeout: Int64 = 250_000_000
    var presence = LidarPresence(now: 100 * second)
    // Before the first sweep: frames without LiDAR are made at host time, once a time-out.
    #expect(presence.frameWithoutLidar(now: 100 * second + timeout / 2, timeout: timeout) == nil)
    let silent = presence.frameWithoutLidar(now: 100 * second + timeout, timeout: timeout)
    #expect(silent?.time == 100 * second + timeout)
    // A sensor 60 s behind the host: its first sweep is behind that frame, and is followed.
    #expect(
      presence.judge(sweepEnd: 40 * second, lastFrameTime: 100 * second + timeout, timeout: timeout)
        == .sensorClockChanged)
    presence.sweepTaken(at: 101 * second, sweepEnd: 41 * second)
    // From then on, frames without LiDAR are made on the sensor clock.
    let onSensor = presence.frameWithoutLidar(now: 101 * second + timeout, timeout: timeout)
    #expect(onSensor?.time == 41 * second + timeout)
    #expect(onSensor?.silentNanoseconds == timeout)
    // A sweep a little behind that frame is late: dropped, and it ends the silence.
    #expect(
      presence.judge(sweepEnd: 41 * second + 1, lastFrameTime: onSensor!.time, timeout: timeout)
        == .late)
    presence.lateSweepArrived(at: 101 * second + timeout + 1)
    #expect(presence.frameWithoutLidar(now: 101 * second + timeout + 2, timeout: timeout) == nil)
    #expect(
      presence.judge(
        sweepEnd: onSensor!.time + 1, lastFrameTime: onSensor!.time, timeout: timeout) == .onTime)
  }

  @Test func v2xCountersCopyWholeAndKeepTheirWireShape() throws {
    var counters = V2XCounters()
    counters.received = 9
    counters.bsm = 4
    counters.dropped[.stale] = 3
    counters.dropped[V2XDropReason.duplicate.rawValue] = 2
    #expect(counters.balances && counters.totalDropped == 5)
    let json = try JSONEncoder().encode(counters)
    let text = String(decoding: json, as: UTF8.self)
    #expect(text.contains("\"dropped\":[0,0,0,2,3]"))
    #expect(try JSONDecoder().decode(V2XCounters.self, from: json) == counters)
    // The frame's counters carry each drop reason by name, in the reasons' order.
    var run = RunCounters()
    run.update(lidar: LidarTotals(), v2x: counters, timeline: TimelineStage())
    #expect(run.drops.map(\.reason) == ["v2x.duplicate", "v2x.stale"])
    #expect(run.drops.map(\.count) == [2, 3])
    // A live run's sinks count theirs too: the recording's and Foxglove's.
    var live = LiveCounters()
    live.recordingFramesDropped = 1
    live.foxgloveMessagesDropped = 555
    live.foxgloveFramesDropped = 4
    run.update(lidar: LidarTotals(), v2x: nil, timeline: TimelineStage(), live: live)
    #expect(
      run.drops.map(\.reason) == [
        "record.frame_dropped_writer_busy", "foxglove.message_dropped_client_behind",
        "foxglove.frame_dropped_converter_busy",
      ])
    #expect(run.drops.map(\.count) == [1, 555, 4])
  }
}

/// A sink that holds its first frame until released, as a recording on a stalled disk would.
final class SlowSink: FrameSink, @unchecked Sendable {
  private let released = DispatchSemaphore(value: 0)
  private(set) var frames = 0
  func release() { released.signal() }
  func take(frame: GridFrame, grid: [UInt8], agents: [UInt8]) throws {
    if frames == 0 { released.wait() }
    frames += 1
  }
  func take(stats: [UInt8]) throws {}
  func finish() throws {}
  func close(discardPending: Bool) {}
}

/// A count shared with a worker thread.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  func add() {
    lock.lock()
    count += 1
    lock.unlock()
  }
  var value: Int {
    lock.lock()
    defer { lock.unlock() }
    return count
  }
}
