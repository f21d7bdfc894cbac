import Foundation
import SightlineSchema
import SightlineZMQ
import Testing

@testable import SightlinePublish

/// What subscribers can do to the publisher, and what they see: stalls, CONFLATE, churn, and
/// endpoints that cannot be bound. Real libzmq sockets over TCP on the loopback.
@Suite(.serialized) struct PublishingTests {
  /// A 64 KiB grid frame with the given sequence, encoded as published.
  static func message(_ sequence: UInt64) -> [UInt8] {
    var frame = GridFrame()
    frame.sequence = sequence
    frame.columns = 256
    frame.rows = 256
    frame.resolution = 0.1
    frame.cells = [Int8](repeating: Int8(truncatingIfNeeded: sequence % 100), count: 256 * 256)
    var bytes: [UInt8] = []
    frame.encode(into: &bytes)
    return bytes
  }

  static func endOfStream(_ published: UInt64) -> [UInt8] {
    var stats = StatsMessage()
    stats.framesPublished = published
    stats.endOfStream = true
    return stats.encode()
  }

  /// Waits until `publisher` has seen a subscription (the SUB socket's connect is asynchronous).
  static func join(_ publisher: FramePublisher) throws {
    try publisher.waitForSubscribers(publisher.subscribersSeen + 1, timeoutSeconds: 5)
  }

  @Test func aStalledSubscriberNeverBlocksThePublisherAndSeesItsLosses() throws {
    let context = try ZMQContext()
    let endpoint = "tcp://127.0.0.1:5611"
    let publisher = try FramePublisher(context: context, endpoint: endpoint, sendHighWaterMark: 2)
    defer { publisher.close() }
    let subscriber = try FrameSubscriber(
      context: context, endpoint: endpoint, receiveHighWaterMark: 2)
    defer { subscriber.close() }
    try Self.join(publisher)
    // The subscriber does not read while 300 frames (19 MiB) go out: far more than the queues
    // and socket buffers hold. Every send returns at once; none fails.
    for sequence in 0..<300 { try publisher.publish(Self.message(UInt64(sequence))) }
    #expect(publisher.framesPublished == 300)
    // It wakes up and reads while more frames come at a pace it can follow.
    var sequences: [UInt64] = []
    func drain() throws {
      while case .frame(let frame) = try subscriber.next(timeoutMilliseconds: 100) {
        sequences.append(frame.sequence)
      }
    }
    try drain()
    for sequence in 300..<320 {
      try publisher.publish(Self.message(UInt64(sequence)))
      Thread.sleep(forTimeInterval: 0.005)
      try drain()
    }
    try publisher.publishSide(Self.endOfStream(publisher.framesPublished))
    while true {
      let event = try subscriber.next(timeoutMilliseconds: 2000)
      if case .frame(let frame) = event { sequences.append(frame.sequence) }
      if case .stats(let stats) = event, stats.endOfStream { break }
      if case .idle = event { break }
    }
    let summary = subscriber.summary
    #expect(sequences.count < 300, "the stall lost frames")
    #expect(sequences == sequences.sorted() && sequences.last == 319)
    // Its own count of what it lost (from the gaps) plus what it got is what was sent.
    #expect(summary.framesLost > 0)
    #expect(UInt64(summary.framesReceived) + summary.framesLost == 320)
    #expect(summary.framesPublished == 320)
  }

  @Test func aConflateSubscriberGetsOnlyTheLatestFrame() throws {
    let context = try ZMQContext()
    let endpoint = "tcp://127.0.0.1:5612"
    let publisher = try FramePublisher(
      context: context, endpoint: endpoint, sendHighWaterMark: 1000)
    defer { publisher.close() }
    let latest = try FrameSubscriber(context: context, endpoint: endpoint, latestOnly: true)
    defer { latest.close() }
    try Self.join(publisher)
    for sequence in 0..<30 {
      try publisher.publish(Self.message(UInt64(sequence)))
      try publisher.publishSide(Array("agents\0".utf8))  // other topics must not displace it
    }
    try publisher.publishSide(Self.endOfStream(30))
    Thread.sleep(forTimeInterval: 0.3)
    guard case .frame(let frame) = try latest.next(timeoutMilliseconds: 2000) else {
      Issue.record("no frame")
      return
    }
    #expect(frame.sequence == 29)
    #expect(frame.cells.first == 29)
    if case .idle = try latest.next(timeoutMilliseconds: 200) {
    } else {
      Issue.record("a CONFLATE subscriber got more than the latest frame")
    }
    #expect(latest.summary.framesReceived == 1 && latest.summary.framesLost == 29)
  }

  @Test func subscribersThatComeAndGoDoNotDisturbThePublisher() throws {
    let context = try ZMQContext()
    let endpoint = "tcp://127.0.0.1:5613"
    let publisher = try FramePublisher(context: context, endpoint: endpoint, sendHighWaterMark: 100)
    defer { publisher.close() }
    for round in 0..<40 {
      let passing = try FrameSubscriber(context: context, endpoint: endpoint)
      if round % 2 == 0 { _ = try passing.next(timeoutMilliseconds: 1) }
      passing.close()
      try publisher.publish(Self.message(UInt64(round)))
    }
    // One that stays gets the frames sent after it joined, in order. It has joined once a
    // probe frame reaches it (the churned subscriptions make the publisher's count useless).
    let staying = try FrameSubscriber(context: context, endpoint: endpoint)
    defer { staying.close() }
    var joined = false
    for _ in 0..<500 where !joined {
      try publisher.publish(Self.message(1000))
      if case .frame = try staying.next(timeoutMilliseconds: 10) { joined = true }
    }
    #expect(joined)
    while case .frame = try staying.next(timeoutMilliseconds: 50) {}  // the other probes
    for sequence in 40..<50 { try publisher.publish(Self.message(UInt64(sequence))) }
    var received: [UInt64] = []
    while case .frame(let frame) = try staying.next(timeoutMilliseconds: 500) {
      received.append(frame.sequence)
    }
    #expect(received == Array(40..<50))
  }

  @Test func endpointsThatCannotBeBoundAreClearErrors() throws {
    let context = try ZMQContext()
    // An address this host does not have, a port already taken, and nonsense.
    for endpoint in ["tcp://192.0.2.1:5560", "tcp://127.0.0.1:5614", "carrier-pigeon://home"] {
      let holder =
        endpoint.hasSuffix("5614")
        ? try FramePublisher(context: context, endpoint: endpoint, sendHighWaterMark: 1) : nil
      defer { holder?.close() }
      #expect {
        _ = try FramePublisher(context: context, endpoint: endpoint, sendHighWaterMark: 1)
      } throws: { error in
        "\(error)".contains("bind \(endpoint)")
      }
    }
  }

  @Test func aSubscriberWithNoPublisherTimesOut() throws {
    let context = try ZMQContext()
    let lonely = try FrameSubscriber(context: context, endpoint: "tcp://127.0.0.1:5615")
    defer { lonely.close() }
    let started = Date()
    if case .idle = try lonely.next(timeoutMilliseconds: 200) {
    } else {
      Issue.record("expected a time-out")
    }
    #expect(Date().timeIntervalSince(started) < 5)
  }
}
