import Foundation
import SightlineLidar
import SightlineNet
import SightlinePipeline
import SightlinePublish
import SightlineReplay
import SightlineSchema
import SightlineVelodyne
import SightlineZMQ
import Testing

/// Runs a replay with one subscriber on another thread; returns what each side saw.
func replayWithSubscriber(
  capture: String, latestOnly: Bool = false
) throws -> (summary: ReplaySummary, frames: [GridFrame], subscription: SubscriptionSummary) {
  let context = try ZMQContext()
  var config = SightlineConfig()
  config.publish.endpoint = uniqueEndpoint()
  config.grid.columns = 300
  config.grid.rows = 300
  var options = ReplayOptions(lidarPath: capture, config: config)
  options.waitForSubscribers = 1
  options.subscriberTimeoutSeconds = 10

  let received = ReceivedFrames()
  let endpoint = config.publish.endpoint
  let subscriberThread = Thread {
    do {
      let subscriber = try FrameSubscriber(
        context: context, endpoint: endpoint, latestOnly: latestOnly)
      loop: while true {
        switch try subscriber.next(timeoutMilliseconds: 10_000) {
        case .frame(let frame): received.append(frame)
        case .agents: continue
        case .stats(let stats): if stats.endOfStream { break loop }
        case .idle: break loop
        }
      }
      received.finish(subscriber.summary)
    } catch {
      received.finish(SubscriptionSummary())
    }
  }
  subscriberThread.start()
  let summary = try Replay(options: options).run(context: context)
  let (frames, subscription) = received.wait()
  return (summary, frames, subscription)
}

/// Collects frames across threads.
final class ReceivedFrames: @unchecked Sendable {
  private let lock = NSCondition()
  private var frames: [GridFrame] = []
  private var summary: SubscriptionSummary?

  func append(_ frame: GridFrame) {
    lock.lock()
    frames.append(frame)
    lock.unlock()
  }
  func finish(_ summary: SubscriptionSummary) {
    lock.lock()
    self.summary = summary
    lock.signal()
    lock.unlock()
  }
  func wait() -> ([GridFrame], SubscriptionSummary) {
    lock.lock()
    defer { lock.unlock() }
    while summary == nil { lock.wait() }
    return (frames, summary!)
  }
}

@Suite(.serialized) struct ReplayTests {
  @Test func subscriberReceivesEveryFrameInOrder() throws {
    let (summary, frames, subscription) = try replayWithSubscriber(capture: bundledCapture)
    #expect(frames.map(\.sequence) == [0, 1, 2, 3, 4])
    #expect(frames.map(\.pointsInSweep) == [14642, 18705, 18410, 18650, 3079])
    #expect(frames.map { $0.flags.contains(.partialSweep) } == [true, false, false, false, true])
    #expect(subscription.framesLost == 0)
    #expect(subscription.framesPublished == 5)
    #expect(summary.sweeps.count == 5)
    #expect(summary.counters.positionPackets == 57)
    #expect(summary.inputError == nil)
    for frame in frames {
      // The header's counts agree with the cells the subscriber actually got.
      #expect(frame.cells.count == 300 * 300)
      #expect(Int(frame.unknownCells) == frame.cells.filter { $0 == -1 }.count)
      #expect(Int(frame.occupiedCells) == frame.cells.filter { $0 > 50 }.count)
      #expect(frame.occupiedCells > 100)
      #expect(frame.freeCells > 100)
      #expect(frame.occupiedCells + frame.freeCells + frame.unknownCells == 300 * 300)
    }
    // The partial sweeps say how much of the turn they hold.
    #expect(frames[0].azimuthCoverageCentidegrees < 30000)
    #expect(frames[4].azimuthCoverageCentidegrees < 10000)
  }

  @Test func nonLidarTrafficIsCountedAndSkippedWithoutChangingTheSweeps() throws {
    var capture = try PcapBytes(path: bundledCapture)
    let template = capture.records[0]
    func withUDP(port: UInt16, payload: [UInt8]) -> [UInt8] {
      var frame = Array(template.data.prefix(42))
      frame[36] = UInt8(port >> 8)
      frame[37] = UInt8(port & 0xFF)
      let udpLength = UInt16(8 + payload.count)
      frame[38] = UInt8(udpLength >> 8)
      frame[39] = UInt8(udpLength & 0xFF)
      return frame + payload
    }
    var arp = template.data
    arp[12] = 0x08
    arp[13] = 0x06
    let garbage: [[UInt8]] = [
      arp,
      withUDP(port: 9999, payload: [1, 2, 3]),
      withUDP(port: 2368, payload: [UInt8](repeating: 0x5A, count: 100)),
      withUDP(port: 2368, payload: [UInt8](repeating: 0x5A, count: 1206)),
      Array(template.data.prefix(30)),
      Array(template.data.prefix(100)),
    ]
    for (index, data) in garbage.enumerated() {
      capture.records.insert((template.seconds, template.micros, data), at: 40 + index * 30)
    }
    let path = temporaryPath("garbage.pcap")
    try capture.write(to: path)

    let (summary, frames, _) = try replayWithSubscriber(capture: path)
    #expect(frames.map(\.pointsInSweep) == [14642, 18705, 18410, 18650, 3079])
    let c = summary.counters
    #expect(c.records == 356)
    #expect(c.otherUDPDatagrams == 1)
    #expect(c.framesSkipped[FrameSkipReason.notIPv4.rawValue] == 1)
    #expect(c.framesSkipped[FrameSkipReason.truncatedIPHeader.rawValue] == 1)
    #expect(c.framesSkipped[FrameSkipReason.truncatedUDP.rawValue] == 1)
    #expect(c.packetsRejected[PacketRejectReason.wrongSize.rawValue] == 1)
    #expect(c.packetsRejected[PacketRejectReason.badBlockFlag.rawValue] == 1)
    #expect(c.decodedPackets == 293)
  }

  @Test func truncatedCaptureKeepsWhatCameBeforeAndReportsTheDamage() throws {
    let whole = try PcapBytes(path: bundledCapture).serialized()
    let path = temporaryPath("truncated.pcap")
    try Data(whole.prefix(whole.count * 2 / 3)).write(to: URL(fileURLWithPath: path))
    let (summary, frames, subscription) = try replayWithSubscriber(capture: path)
    #expect(summary.inputError != nil)
    #expect("\(summary.inputError!)".contains("truncated"))
    #expect(frames.count >= 3)
    #expect(frames.last?.flags.contains(.partialSweep) == true)
    #expect(subscription.endedWithError)
  }

  @Test func missingCaptureIsAClearError() throws {
    var config = SightlineConfig()
    config.publish.endpoint = uniqueEndpoint()
    let replay = Replay(
      options: ReplayOptions(lidarPath: "/nonexistent/drive.pcap", config: config))
    do {
      _ = try replay.run(context: try ZMQContext())
      Issue.record("replayed a missing file")
    } catch {
      #expect("\(error)".contains("cannot open capture /nonexistent/drive.pcap"))
    }
  }

  @Test func notACaptureIsAClearError() throws {
    let path = temporaryPath("config.pcap")
    try Data("[grid]\ncolumns = 10\n".utf8).write(to: URL(fileURLWithPath: path))
    var config = SightlineConfig()
    config.publish.endpoint = uniqueEndpoint()
    #expect(throws: (any Error).self) {
      _ = try Replay(options: ReplayOptions(lidarPath: path, config: config)).run(
        context: try ZMQContext())
    }
  }
}
