import Foundation
import SightlineFoxglove
import SightlinePipeline
import SightlinePublish
import SightlineSchema
import SightlineZMQ
import Synchronization
import Testing

/// Faults on a live run (`sightline run` in-process, real UDP and ZeroMQ), each judged by what
/// the run then publishes. `SIGHTLINE_LONG_FAULTS=1` runs the long forms (a 30 s stall).
@Suite(.serialized) struct FaultTests {
  static let long = ProcessInfo.processInfo.environment["SIGHTLINE_LONG_FAULTS"] == "1"

  @Test func lidarSilenceKeepsFramesComingWithAgentsAndADecayingGrid() throws {
    let rig = try LiveRig(seconds: 8.5) {
      $0.config.grid.decaySeconds = 2
      // Work units, not wall time: a debug build on a busy machine would otherwise skip the
      // free space this test watches decay.
      $0.config.frame.budgetMode = .work
    }
    rig.start()
    Thread.sleep(forTimeInterval: 1.5)
    rig.feed.lidarPaused.store(true, ordering: .relaxed)
    Thread.sleep(forTimeInterval: 5)
    rig.feed.lidarPaused.store(false, ordering: .relaxed)
    let (observed, _) = try rig.finish()

    let frames = observed.frames
    // Every frame from the first received on, in order (frame 0 may go to ZeroMQ's slow
    // joiner; that is not what this test is about).
    let sequences = frames.map(\.sequence)
    #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 + 1 == $1 }, "\(sequences)")
    let silent = frames.filter { $0.flags.contains(.lidarAbsent) }
    // 5 s at one frame per 250 ms is 19 or 20; a loaded machine may make fewer, never none.
    #expect(silent.count >= 8, "\(silent.count) frames without LiDAR")
    #expect(silent.allSatisfy { $0.pointsInSweep == 0 && $0.lidarSilentNanoseconds > 0 })
    // Frames before the silence had LiDAR; frames after it have it again.
    let firstSilent = try #require(frames.firstIndex { $0.flags.contains(.lidarAbsent) })
    let lastSilent = try #require(frames.lastIndex { $0.flags.contains(.lidarAbsent) })
    #expect(frames[..<firstSilent].contains { $0.pointsInSweep > 0 })
    #expect(frames[(lastSilent + 1)...].contains { $0.pointsInSweep > 0 })
    // Times keep moving forward through the silence.
    let times = frames.map(\.referenceTimeNanoseconds)
    #expect(
      zip(times, times.dropFirst()).allSatisfy { $0 < $1 },
      "\(frames.map { ($0.sequence, $0.flags.contains(.lidarAbsent), $0.referenceTimeNanoseconds % 100_000_000_000, $0.pointsInSweep) })"
    )
    // The V2X car is painted all along.
    #expect(silent.allSatisfy { $0.agents.count == 1 && $0.agentsPainted == 1 })
    // The grid decays: what LiDAR saw becomes unknown after decay_s. (What stays is the car's
    // footprint, which V2X paints into the fused grid.)
    // Judged on the frames made well after decay_s (2 s) of silence: a loaded machine may make
    // its last silent frame early, or few of them.
    let seenBefore = frames[..<firstSilent].map { Int($0.occupiedCells) + Int($0.freeCells) }
    let decayed = silent.filter { $0.lidarSilentNanoseconds > 2_800_000_000 }
    let seen = decayed.map { Int($0.occupiedCells) + Int($0.freeCells) }
    #expect(!seen.isEmpty, "no frame more than 2.8 s into the silence")
    #expect(seenBefore.max()! > 2000 && seen.allSatisfy { $0 < seenBefore.max()! / 5 }, "\(seen)")
    #expect(observed.end?.counters.framesWithoutLidar == UInt64(silent.count))
  }

  @Test func aLidarClockBehindTheHostIsFollowedWhenItStartsLate() throws {
    // The run starts before the sensor, so frames without LiDAR go out on host time; then a
    // sensor whose clock is 10 minutes behind (no GNSS) starts. Its sweeps are not "late".
    let rig = try LiveRig(seconds: 4)
    rig.feed.lidarClockOffsetMilliseconds.store(-600_000, ordering: .relaxed)
    rig.feed.lidarPaused.store(true, ordering: .relaxed)
    rig.start()
    Thread.sleep(forTimeInterval: 1.2)
    rig.feed.lidarPaused.store(false, ordering: .relaxed)
    let (observed, summary) = try rig.finish()

    let withLidar = observed.frames.filter { !$0.flags.contains(.lidarAbsent) }
    #expect(observed.frames.contains { $0.flags.contains(.lidarAbsent) })
    // About 25 sweeps in 2.5 s; a loaded machine makes fewer, the bug made none.
    #expect(withLidar.count >= 8, "\(withLidar.count) frames with LiDAR")
    #expect(withLidar.allSatisfy { $0.pointsInSweep > 0 })
    #expect(summary.lidarClockChanges == 1)
    #expect(observed.end?.counters.lidarClockChanges == 1)
    // (A stall of the loaded test machine past the time-out may still make one late.)
    #expect(summary.sweepsOlderThanFrameWithoutLidar <= 2)
    // From the first LiDAR frame on, times follow the sensor and move forward again.
    let times = withLidar.map(\.referenceTimeNanoseconds)
    #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
    #expect(withLidar.allSatisfy { $0.agents.count == 1 })
  }

  @Test func aLidarBackALittleBehindItsOldClockResumesAfterAFewLateSweeps() throws {
    // LiDAR, a second of silence (frames without LiDAR on its old clock), then the sensor back
    // 500 ms behind that clock: its first sweeps are late and dropped, the frames without LiDAR
    // stop, and frames with LiDAR resume once its time passes the last of them.
    let rig = try LiveRig(seconds: 5)
    rig.start()
    Thread.sleep(forTimeInterval: 1.2)
    rig.feed.lidarPaused.store(true, ordering: .relaxed)
    Thread.sleep(forTimeInterval: 1)
    rig.feed.lidarClockOffsetMilliseconds.store(-500, ordering: .relaxed)
    rig.feed.lidarPaused.store(false, ordering: .relaxed)
    let (observed, summary) = try rig.finish()

    let lastSilent = try #require(observed.frames.lastIndex { $0.flags.contains(.lidarAbsent) })
    let after = observed.frames[(lastSilent + 1)...]
    #expect(after.count >= 8, "\(after.count) frames after the silence")
    #expect(after.allSatisfy { $0.pointsInSweep > 0 })
    #expect((1...12).contains(summary.sweepsOlderThanFrameWithoutLidar))
    #expect(summary.lidarClockChanges == 0)
    let times = observed.frames.map(\.referenceTimeNanoseconds)
    #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
  }

  @Test(arguments: [10, -10])
  func aHostClockStepIsSeenAndNotFollowed(seconds: Int64) throws {
    let rig = try LiveRig(seconds: 4)
    rig.start()
    Thread.sleep(forTimeInterval: 1.5)
    rig.options.hostClock.injectStep(seconds * 1_000_000_000)
    let stepped = Date()
    let (observed, summary) = try rig.finish()

    // Frames kept coming, and the car stayed: its messages were not judged 10 s stale or early.
    let after = observed.frames.filter {
      Double($0.publishTimeNanoseconds) / 1e9 > stepped.timeIntervalSince1970 + 0.5
    }
    // (How many depends on the machine's load; that they come at all is the point.)
    #expect(after.count >= 5, "\(after.count) frames after the step")
    #expect(after.allSatisfy { $0.agents.count == 1 })
    #expect(after.allSatisfy { abs($0.agents[0].latencyNanoseconds) < 1_000_000_000 })
    let counters = try #require(observed.end?.counters)
    #expect(counters.hostClockSteps == 1)
    #expect(abs(counters.hostClockStepTotalNanoseconds - seconds * 1_000_000_000) < 50_000_000)
    #expect(!counters.drops.contains { $0.reason.hasPrefix("v2x.stale") })
    #expect(summary.v2x.accepted > 10)
  }

  @Test func theV2XPublisherRestartsAndItsMessagesComeBack() throws {
    let rig = try LiveRig(seconds: 5)
    rig.start()
    Thread.sleep(forTimeInterval: 1.5)
    let sentBefore = rig.feed.bsmsSent.load(ordering: .relaxed)
    rig.feed.restartRadio.store(true, ordering: .relaxed)
    Thread.sleep(forTimeInterval: 1.5)
    let restarted = Date()
    let (observed, summary) = try rig.finish()

    let sent = rig.feed.bsmsSent.load(ordering: .relaxed)
    #expect(sent > sentBefore + 5)
    // Messages sent after the restart reached the decoder: more arrived than before it.
    #expect(summary.v2x.received > sentBefore + 2, "\(summary.v2x.received) of \(sent)")
    let after = observed.frames.filter {
      Double($0.publishTimeNanoseconds) / 1e9 > restarted.timeIntervalSince1970 + 0.5
    }
    #expect(!after.isEmpty && after.allSatisfy { $0.agents.count == 1 })
  }

  @Test func aStalledSubscriberNeitherDelaysNorStarvesTheOthers() throws {
    let stall = Self.long ? 30.0 : 3.0
    let context = try ZMQContext()
    let feed = LiveFeed(context: context)
    let endpoint = uniqueEndpoint()
    var options = feed.options(publishEndpoint: endpoint, seconds: stall + 3)
    options.config.publish.sendHighWaterMark = 8
    options.waitForSubscribers = 2  // both have joined before frame 0
    let stalled = try FrameSubscriber(context: context, endpoint: endpoint, receiveHighWaterMark: 4)
    defer { stalled.close() }
    // The reader reads throughout, on its own thread; the stalled one reads nothing until the
    // run has ended, then takes what ZeroMQ kept for it.
    let reading = Mutex<Observed?>(nil)
    let connected = Atomic<Bool>(false)
    let readerThread = Thread {
      guard let reader = try? FrameSubscriber(context: context, endpoint: endpoint) else { return }
      defer { reader.close() }
      connected.store(true, ordering: .relaxed)
      let observed = try? Observed.collect(reader)
      reading.withLock { $0 = observed }
    }
    readerThread.start()
    while !connected.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.01) }
    let run = BackgroundRun(options, context: context, feed: feed)
    let summary = try run.wait()
    feed.stop()
    let late = try Observed.collect(stalled, idleSeconds: 1)
    var observed: Observed?
    for _ in 0..<100 where observed == nil {
      observed = reading.withLock { $0 }
      if observed == nil { Thread.sleep(forTimeInterval: 0.1) }
    }
    let read = try #require(observed)

    print(
      "stalled subscriber, \(stall) s: the reader got \(read.frames.count) of"
        + " \(summary.sweepsPublished) frames; the stalled one \(late.frames.count), counting"
        + " \(late.lost) lost")
    // The reading subscriber got every frame, in order.
    #expect(
      read.lost == 0 && read.frames.count == summary.sweepsPublished,
      "lost \(read.lost), \(read.frames.count) of \(summary.sweepsPublished)")
    #expect(read.frames.count >= Int(stall * 10 * 0.5), "\(read.frames.count) frames")
    // The stalled one got only what fitted its queue, and knows how much it missed.
    #expect(late.frames.count < read.frames.count / 2)
    #expect(late.frames.count + Int(late.lost) <= read.frames.count)
  }

  /// `/metrics` on the `metrics.listen` listener, or on the Foxglove one (with the live page).
  @Test(arguments: ["metrics.listen", "foxglove"])
  func theMetricsEndpointServesTheRunsFigures(listener: String) throws {
    let rig = try LiveRig(seconds: 3) {
      if listener == "foxglove" {
        $0.foxglove = FoxgloveAddress(host: "127.0.0.1", port: 0)
      } else {
        $0.config.metrics.listen = "127.0.0.1:0"
      }
    }
    rig.feed.radioClockOffsetMilliseconds.store(-300, ordering: .relaxed)  // the radio is behind
    rig.start()
    Thread.sleep(forTimeInterval: 2)
    let log = rig.run?.logLines.withLock { $0 } ?? []
    let prefix = listener == "foxglove" ? "watch live at " : "metrics on "
    let line = log.first { $0.hasPrefix(prefix) }
    let address = line.map { $0.dropFirst(prefix.count).prefix { $0 != " " } }
    let url = try #require(address.flatMap { URL(string: String($0)) })
    if listener == "foxglove" {
      #expect(try httpGet(port: try #require(url.port), path: "/").contains("<canvas"))
    }
    let text = try httpGet(port: try #require(url.port), path: "/metrics")
    #expect(text.hasPrefix("HTTP/1.1 200"))
    _ = try rig.finish()

    func value(_ name: String) -> Double? {
      text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        .flatMap { Double($0.split(separator: " ").last ?? "") }
    }
    #expect((value("sightline_frames_total") ?? 0) >= 2, "\(text)")
    #expect((value("sightline_lidar_packets_total") ?? 0) >= 75)
    #expect(value("sightline_v2x_agents") == 1)
    // Sender − host: the radio's 300 ms, less the fastest delivery over loopback.
    let v2xOffset = try #require(value("sightline_clock_offset_seconds{clock=\"v2x\"}"))
    #expect(v2xOffset < -0.29 && v2xOffset > -0.45, "\(v2xOffset)")
    #expect(text.contains("sightline_frame_time_quantile_seconds{quantile=\"0.99\"}"))
    #expect(text.contains("sightline_frame_seconds_bucket{le=\"+Inf\"}"))
  }

  @Test func aConfigReloadWithABadValueIsRejectedAndTheOldConfigKept() throws {
    let context = try ZMQContext()
    let feed = LiveFeed(context: context)
    let endpoint = uniqueEndpoint()
    var options = feed.options(publishEndpoint: endpoint, seconds: 5)
    options.config.frame.budgetMilliseconds = 20
    options.config.frame.budgetMode = .wall
    let path = temporaryPath("sightline.toml")
    func write(_ frameSection: String) throws {
      let text = """
        [grid]
        columns = 200
        rows = 200
        [publish]
        endpoint = "\(endpoint)"
        [frame]
        budget = "wall"
        \(frameSection)
        [[v2x.source]]
        endpoint = "\(feed.v2xEndpoint)"
        """
      try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    try write("budget_ms = 20.0")
    options.config = try SightlineConfig.load(path: path)
    options.configPath = path
    options.dataPort = 0
    options.positionPort = 0
    let subscriber = try FrameSubscriber(context: context, endpoint: endpoint)
    defer { subscriber.close() }
    let run = BackgroundRun(options, context: context, feed: feed)
    Thread.sleep(forTimeInterval: 1.0)
    try write("budget_ms = -5.0")  // out of range
    options.reload.request()
    Thread.sleep(forTimeInterval: 1.0)
    try write("budget_ms = 20.0\ncolumns = 5")  // a misplaced key: not valid either
    options.reload.request()
    Thread.sleep(forTimeInterval: 0.5)
    let changedGeometry = """
      [grid]
      columns = 300
      rows = 200
      [publish]
      endpoint = "\(endpoint)"
      [frame]
      budget = "wall"
      budget_ms = 20.0
      [[v2x.source]]
      endpoint = "\(feed.v2xEndpoint)"
      """
    try changedGeometry.write(toFile: path, atomically: true, encoding: .utf8)
    options.reload.request()
    Thread.sleep(forTimeInterval: 0.5)
    let rejectedUntil = Date()
    try write("budget_ms = 35.0")
    options.reload.request()
    let observed = try Observed.collect(subscriber)
    feed.stop()
    _ = try run.wait()

    let counters = try #require(observed.end?.counters)
    #expect(counters.configReloadsRejected == 3 && counters.configReloads == 1)
    let log = run.logLines.withLock { $0 }
    #expect(log.contains { $0.contains("frame.budget_ms") && $0.contains("rejected") })
    #expect(log.contains { $0.contains("[grid] cannot change while running") })
    // The old budget held through the rejected reloads; the good one took effect.
    let before = observed.frames.filter {
      Double($0.publishTimeNanoseconds) / 1e9 < rejectedUntil.timeIntervalSince1970
    }
    #expect(before.count > 10 && before.allSatisfy { $0.budgetNanoseconds == 20_000_000 })
    #expect(before.allSatisfy { $0.columns == 200 })
    #expect(observed.frames.suffix(5).allSatisfy { $0.budgetNanoseconds == 35_000_000 })
  }
}
