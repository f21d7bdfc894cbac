import Foundation
import SightlineLive
import SightlinePipeline
import SightlinePublish
import SightlineReplay
import SightlineSchema
import SightlineV2X
import SightlineZMQ
import Testing

let v2xFixtures = repositoryRoot.appendingPathComponent("Tests/SightlineV2XTests/Fixtures")

/// The frames of bsm-real.jsonl, as bytes.
func realBSMFrames() throws -> [[UInt8]] {
  let text = try String(
    contentsOf: v2xFixtures.appendingPathComponent("bsm-real.jsonl"), encoding: .utf8)
  return text.split(separator: "\n").compactMap { line in
    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    return (object?["hex"] as? String).flatMap(V2XLogEntry.bytesForTests(hex:))
  }
}

extension V2XLogEntry {
  static func bytesForTests(hex: String) -> [UInt8]? {
    V2XLogEntry(t_ns: 0, source: "", topic: "", format: .uper, payload: []).withHex(hex).payload
  }
  func withHex(_ hex: String) -> V2XLogEntry {
    var copy = self
    copy.payload_hex = hex
    return copy
  }
}

@Suite(.serialized) struct V2XIngestTests {
  @Test func aBurstOverZeroMQBalancesToTheMessage() throws {
    let frames = try realBSMFrames()
    #expect(frames.count == 993)
    // What the mix should produce, worked out message by message from the frames themselves.
    var keys = Set<UInt64>()
    for frame in frames {
      let decoded = frame.withUnsafeBytes { J2735.decodeFrame($0) }
      guard case .success(let f) = decoded, case .bsm(let bsm) = f.body else {
        Issue.record("a shared BSM vector did not decode")
        continue
      }
      let c = bsm.coreData
      keys.insert(UInt64(c.id) << 32 | UInt64(c.msgCnt) << 16 | UInt64(c.secMark))
    }
    let spat = try String(
      contentsOf: v2xFixtures.appendingPathComponent("raw/SpatReceiverTest_ValidSPAT.txt.hex"),
      encoding: .utf8
    ).split(separator: "\n").first.flatMap { V2XLogEntry.bytesForTests(hex: String($0)) }
    let spatFrame = try #require(spat)

    var messages = [[UInt8]]()
    var expected = V2XCounters()
    var random = SystemRandomNumberGenerator()
    var sent = 0
    while messages.count < 50_000 {
      switch sent % 10 {
      case 0...5:  // real BSMs, cycling: after the first pass they are duplicates
        messages.append(frames[(sent / 10 * 6 + sent % 10) % frames.count])
      case 6:  // cut short somewhere inside the frame
        let frame = frames[sent % frames.count]
        messages.append(Array(frame.prefix(Int.random(in: 1...(frame.count / 2), using: &random))))
      case 7:
        messages.append(spatFrame)
      case 8:
        messages.append([UInt8](repeating: 0x11, count: 70_000))  // beyond any payload
      default:
        var wrongId = frames[sent % frames.count]
        wrongId[1] = 0x7E  // message id 126: not a DSRC message
        messages.append(wrongId)
      }
      sent += 1
    }
    expected.received = messages.count

    let context = try ZMQContext()
    let endpoint = uniqueEndpoint()
    let publisher = try ZMQSocket(context: context, type: .extendedPublisher)
    try publisher.setSendHighWaterMark(0)
    try publisher.bind(endpoint)
    var source = SightlineConfig.V2XSource()
    source.endpoint = endpoint
    source.receiveHighWaterMark = 0
    let sockets = try V2XSockets(context: context, sources: [source])
    _ = try publisher.receive(timeoutMilliseconds: 5000)  // the subscription: joined
    for message in messages { #expect(try publisher.send(message)) }

    var ingest = V2XIngest(staleAfterMilliseconds: 600_000)
    defer { ingest.release() }
    var idle = 0
    while ingest.counters.received < messages.count && idle < 50 {
      let got = try sockets.receive(timeoutMilliseconds: 100) { _, payload, received in
        guard let payload else {
          ingest.countOversized()
          return
        }
        _ = ingest.ingest(payload, format: .uper, receiveTimeNanoseconds: received)
      }
      idle = got == 0 ? idle + 1 : 0
    }
    let c = ingest.counters
    #expect(c.received == messages.count)
    #expect(c.balances)
    #expect(c.knownNotDecoded == 5_000)
    #expect(c.dropped[V2XDropReason.oversized.rawValue] == 5_000)
    #expect(c.dropped[V2XDropReason.unknownType.rawValue] == 5_000)
    #expect(c.bsm == keys.count)
    #expect(c.dropped[V2XDropReason.duplicate.rawValue] == 30_000 - keys.count)
    #expect(c.dropped[V2XDropReason.malformed.rawValue] == 5_000)
    #expect(c.dropped[V2XDropReason.stale.rawValue] == 0)
  }

  @Test func replayMergesTheRealV2XLogWithTheLidarOnOneClock() throws {
    let options = bundledDriveWithV2X()
    let summary = try Replay(options: options).run(context: try ZMQContext())
    #expect(summary.v2x.received == 35)
    #expect(summary.v2x.dropped[V2XDropReason.duplicate.rawValue] == 1)
    #expect(summary.v2x.bsm == 34)
    #expect(summary.v2x.balances)
    // Both senders are heard in the second before the later frames, and none before the first
    // message time; the counts grow as the clock moves, frame by frame.
    let agents = summary.sweeps.map(\.v2xAgents)
    #expect(agents.last == 2)
    #expect(agents == agents.sorted())
  }

  @Test func theMisbehaviourCheckCatchesTheSplicedSender() throws {
    // The log's messages are real but taken from other minutes: one sender's consecutive
    // positions are kilometres apart within a second. With the check on, it is quarantined.
    var options = bundledDriveWithV2X()
    options.config.v2x.plausibility = true
    var last: GridFrame?
    let summary = try Replay(options: options).run(context: try ZMQContext()) { _ in
    } onFrameData: {
      last = $0
    }
    let drops = try #require(last?.counters.drops)
    let jumps = drops.first { $0.reason == "v2x.position_jump" }?.count ?? 0
    let quarantined = drops.first { $0.reason == "v2x.quarantined_sender" }?.count ?? 0
    #expect(jumps == 1 && quarantined > 0)
    #expect(last?.counters.sendersQuarantined == 1)
    #expect(summary.sweeps.last?.v2xAgents == 1)
  }

  @Test func secMarkAgeAcrossTheMinute() {
    // secMark 59950 received at :00.030 of the next minute is 80 ms old.
    let received: Int64 = 1_453_364_280_030_000_000  // 08:18:00.030
    #expect(SecMark.ageMilliseconds(secMark: 59950, receiveTimeNanoseconds: received) == 80)
    // Stamped 100 ms in the future: negative and visible.
    #expect(SecMark.ageMilliseconds(secMark: 130, receiveTimeNanoseconds: received) == -100)
    #expect(SecMark.ageMilliseconds(secMark: 65535, receiveTimeNanoseconds: received) == nil)
    #expect(SecMark.ageMilliseconds(secMark: 60500, receiveTimeNanoseconds: received) == nil)
  }

  @Test func hygieneDropsDuplicatesAndStaleAndNoticesOutOfOrder() {
    var hygiene = StreamHygiene(staleAfterMilliseconds: 500, capacity: 4)
    let t: Int64 = 1_453_364_282_000_000_000  // :02.000
    #expect(
      hygiene.admit(id: 1, msgCnt: 1, secMark: 1900, receiveTimeNanoseconds: t)
        == .fresh(ageMilliseconds: 100, outOfOrder: false))
    #expect(
      hygiene.admit(id: 1, msgCnt: 1, secMark: 1900, receiveTimeNanoseconds: t + 5) == .duplicate)
    #expect(
      hygiene.admit(id: 1, msgCnt: 0, secMark: 1800, receiveTimeNanoseconds: t)
        == .fresh(ageMilliseconds: 200, outOfOrder: true))
    #expect(
      hygiene.admit(id: 2, msgCnt: 9, secMark: 1000, receiveTimeNanoseconds: t)
        == .stale(ageMilliseconds: 1000))
    // Bounded: after `capacity` newer messages the oldest key is forgotten.
    for count in 2...6 {
      _ = hygiene.admit(
        id: 3, msgCnt: UInt8(count), secMark: UInt16(1900 + count), receiveTimeNanoseconds: t)
    }
    #expect(hygiene.admit(id: 1, msgCnt: 1, secMark: 1900, receiveTimeNanoseconds: t) != .duplicate)
  }
}

@Suite(.serialized) struct V2XLiveAndRecordTests {
  @Test func liveRunTakesV2XFromZeroMQBesideTheLidar() throws {
    let frames = try realBSMFrames()
    var config = SightlineConfig()
    config.publish.endpoint = uniqueEndpoint()
    config.v2x.staleAfterMilliseconds = 600_000
    var source = SightlineConfig.V2XSource()
    source.endpoint = uniqueEndpoint()
    source.bind = true
    source.format = .hex
    source.topics = ["bsm "]
    config.v2x.sources = [source]
    var options = LiveOptions(config: config)
    options.bindAddress = "127.0.0.1"
    options.dataPort = 0
    options.positionPort = 0
    options.durationSeconds = 3

    let context = try ZMQContext()
    let endpoint = source.endpoint
    let sender = Thread {
      do {
        let publisher = try ZMQSocket(context: context, type: .publisher)
        try publisher.connect(endpoint)
        Thread.sleep(forTimeInterval: 1.0)  // the run binds and subscribes
        for frame in frames.prefix(100) {
          let hex = frame.map { String(format: "%02x", $0) }.joined()
          _ = try publisher.send(Array("bsm \(hex)".utf8))
        }
        Thread.sleep(forTimeInterval: 0.5)
      } catch {}
    }
    sender.start()
    // A subscriber to the run's own output: its end-of-stream stats carry the V2X counters.
    let subscriber = try FrameSubscriber(context: context, endpoint: config.publish.endpoint)
    defer { subscriber.close() }
    let summary = try LiveRun(options: options).run(context: context) { _ in }
    #expect(summary.v2x.received == 100)
    #expect(summary.v2x.balances)
    #expect(summary.v2x.bsm + summary.v2x.dropped[V2XDropReason.duplicate.rawValue] == 100)
    #expect(summary.v2x.bsm > 90)
    // (Frames without LiDAR came too, every 250 ms: no sensor was sending.)
    let end = try Observed.collect(subscriber, idleSeconds: 2).end
    let counters = try #require(end?.counters)
    #expect(counters.framesWithoutLidar > 0)
    #expect(counters.v2xReceived == 100 && counters.v2xAccepted == UInt64(summary.v2x.accepted))
    let duplicates = counters.drops.first { $0.reason == "v2x.duplicate" }?.count ?? 0
    #expect(duplicates == UInt64(summary.v2x.dropped[V2XDropReason.duplicate.rawValue]))
  }

  @Test func recordedMessagesReplayByteForByte() throws {
    let frames = Array(try realBSMFrames().prefix(25))
    let context = try ZMQContext()
    let endpoint = uniqueEndpoint()
    let publisher = try ZMQSocket(context: context, type: .extendedPublisher)
    try publisher.bind(endpoint)
    let log = temporaryPath("recorded.jsonl")
    let recorder = try RunningCommand([
      "record", "v2x", "--connect", endpoint, "--out", log, "--count", "25", "--duration", "20",
      "--name", "test-radio",
    ])
    _ = try publisher.receive(timeoutMilliseconds: 10_000)  // the recorder subscribed
    for frame in frames { _ = try publisher.send(frame) }
    let result = recorder.finish()
    #expect(result.status == 0, "\(result.errors)")
    #expect(result.output.contains("recorded 25 messages"))
    let entries = try V2XLog.read(path: log)
    #expect(entries.count == 25)
    #expect(entries.compactMap(\.payload) == frames)
    #expect(entries.allSatisfy { $0.source == "test-radio" && $0.format == .uper })
    let times = entries.map(\.t_ns)
    #expect(times == times.sorted())
  }

  @Test func aDamagedLogLineIsNamed() throws {
    let path = temporaryPath("bad.jsonl")
    try
      "{\"t_ns\":1,\"source\":\"a\",\"topic\":\"\",\"format\":\"uper\",\"payload_hex\":\"0014\"}\n{\"t_ns\":2}\n"
      .write(toFile: path, atomically: true, encoding: .utf8)
    do {
      _ = try V2XLog.read(path: path)
      Issue.record("read a damaged log")
    } catch {
      #expect("\(error)".hasPrefix("\(path):2:"))
    }
  }
}

@Suite struct V2XFramingTests {
  /// Sends `messages` through a source configured as given and returns the ingest counters.
  func counters(
    _ configure: (inout SightlineConfig.V2XSource) -> Void,
    send: (ZMQSocket) throws -> Int
  ) throws -> V2XCounters {
    let context = try ZMQContext()
    var source = SightlineConfig.V2XSource()
    source.endpoint = uniqueEndpoint()
    configure(&source)
    let publisher = try ZMQSocket(context: context, type: .extendedPublisher)
    try publisher.bind(source.endpoint)
    let sockets = try V2XSockets(context: context, sources: [source])
    _ = try publisher.receive(timeoutMilliseconds: 5000)
    let sent = try send(publisher)
    var ingest = V2XIngest(staleAfterMilliseconds: 600_000)
    defer { ingest.release() }
    var idle = 0
    while ingest.counters.received < sent && idle < 30 {
      let got = try sockets.receive(timeoutMilliseconds: 100) { _, payload, time in
        guard let payload else { return ingest.countOversized() }
        _ = ingest.ingest(payload, format: source.format, receiveTimeNanoseconds: time)
      }
      idle = got == 0 ? idle + 1 : 0
    }
    return ingest.counters
  }

  @Test func multipartTakesTheLastFrameAsThePayload() throws {
    let frames = Array(try realBSMFrames().prefix(10))
    let c = try counters({ $0.framing = .multipart }) { publisher in
      for frame in frames {
        _ = try publisher.send(Array("bsm".utf8), more: true)
        _ = try publisher.send(Array("envelope".utf8), more: true)
        _ = try publisher.send(frame)
      }
      return frames.count
    }
    #expect(c.received == 10)
    #expect(c.bsm == 10)
  }

  @Test func odeStyleJSONWithATopicPrefix() throws {
    let frames = Array(try realBSMFrames().prefix(10))
    let c = try counters({
      $0.format = .json
      $0.topics = ["j2735."]
    }) { publisher in
      for frame in frames {
        let hex = frame.map { String(format: "%02X", $0) }.joined()
        let json =
          "{\"metadata\":{\"payloadType\":\"us.dot.its.jpo.ode.model.OdeAsn1Payload\"},"
          + "\"payload\":{\"dataType\":\"us.dot.its.jpo.ode.model.OdeHexByteArray\","
          + "\"data\":{\"bytes\":\"\(hex)\"}}}"
        _ = try publisher.send(Array("j2735.\(json)".utf8))
      }
      _ = try publisher.send(Array("j2735.{\"payload\":{\"data\":{}}}".utf8))  // no hex in it
      return frames.count + 1
    }
    #expect(c.received == 11)
    #expect(c.bsm == 10)
    #expect(c.dropped[V2XDropReason.malformed.rawValue] == 1)
  }
}

@Suite(.serialized) struct TimelineReplayTests {
  @Test func everyFrameCarriesTheAgentsExtrapolatedToItsOwnTime() throws {
    let context = try ZMQContext()
    var options = bundledDriveWithV2X()
    let config = options.config
    options.waitForSubscribers = 1
    let endpoint = config.publish.endpoint
    let collected = AgentsCollector()
    let listener = Thread {
      guard let subscriber = try? FrameSubscriber(context: context, endpoint: endpoint) else {
        return collected.finish()
      }
      while let event = try? subscriber.next(timeoutMilliseconds: 10_000) {
        if case .agents(let frame) = event { collected.add(frame) }
        if case .stats(let stats) = event, stats.endOfStream { break }
        if case .idle = event { break }
      }
      collected.finish()
    }
    listener.start()
    let summary = try Replay(options: options).run(context: context)
    let frames = collected.wait()
    #expect(frames.map(\.sequence) == summary.sweeps.map(\.sequence))
    for (frame, sweep) in zip(frames, summary.sweeps) {
      // Extrapolated to the sweep's own (GNSS) time, not to when the replay got there.
      #expect(frame.timeNanoseconds == sweep.lastPacketTimeNanoseconds)
      #expect(frame.agents.count == 2)
      for agent in frame.agents {
        #expect(agent.latencyNanoseconds > 0 && agent.latencyNanoseconds < 1_000_000_000)
        #expect(agent.covarianceEE > 0 && agent.covarianceNN > 0)
        #expect(agent.east.isFinite && agent.north.isFinite)
        #expect(agent.kind == .vehicle)
      }
    }
    // The moving sender (12–23 m/s in this log) is moved by speed × latency; the parked one
    // stays put.
    let moving = frames.flatMap(\.agents).filter { $0.id == 0x3132_5442 }
    #expect(!moving.isEmpty)
    for agent in moving {
      let speed = Double(agent.speed ?? 0)
      let expected = speed * Double(agent.latencyNanoseconds) / 1e9
      #expect(speed > 10 && abs(Double(agent.distanceTravelled) - expected) < 0.05)
    }
    let parked = frames.flatMap(\.agents).filter { $0.id == 0x12A7_AA31 }
    #expect(parked.allSatisfy { $0.distanceTravelled == 0 })
    // The GNSS fixes gave the ego a pose.
    #expect(frames.contains { $0.egoKnown })
  }
}

final class AgentsCollector: @unchecked Sendable {
  private let condition = NSCondition()
  private var frames: [AgentsFrame] = []
  private var done = false
  func add(_ frame: AgentsFrame) {
    condition.lock()
    frames.append(frame)
    condition.unlock()
  }
  func finish() {
    condition.lock()
    done = true
    condition.signal()
    condition.unlock()
  }
  func wait() -> [AgentsFrame] {
    condition.lock()
    defer { condition.unlock() }
    while !done { condition.wait() }
    return frames
  }
}

/// The bundled drive with its real BSM log, on a small grid and a fresh endpoint.
/// The bundled drive as its manifest describes it (its spliced log turns the plausibility
/// check off), on a smaller grid.
func bundledDriveWithV2X() -> ReplayOptions {
  let folder = repositoryRoot.appendingPathComponent("Replay/vlp16-strongest-gps").path
  var options = try! Drive.load(folder: folder).replayOptions()
  options.config.publish.endpoint = uniqueEndpoint()
  options.config.grid.columns = 200
  options.config.grid.rows = 200
  return options
}
