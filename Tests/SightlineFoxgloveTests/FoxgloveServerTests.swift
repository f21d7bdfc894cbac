import Foundation
import SightlineFoxglove
import SightlineProto
import SightlineSchema
import SwiftProtobuf
import Testing

/// The Foxglove WebSocket server through a raw client: the handshake, serverInfo and advertise,
/// subscriptions, the frames' messages, and a client that never reads.
@Suite struct FoxgloveServerTests {
  @Test func healthzAndRequestsWithoutTheSubprotocol() throws {
    let server = try FoxgloveServer(address: FoxgloveAddress(host: "127.0.0.1", port: 0))
    defer { server.stop() }
    #expect(server.port > 0)
    let health = try RawWebSocketClient(port: server.port)
    let head = try health.request("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    #expect(head.hasPrefix("HTTP/1.1 200"))
    #expect(try health.readToEnd() == "ok")
    let plain = try RawWebSocketClient(port: server.port)
    #expect(try plain.upgrade(subprotocol: nil).hasPrefix("HTTP/1.1 400"))
    let other = try RawWebSocketClient(port: server.port)
    #expect(try other.upgrade(subprotocol: "json").hasPrefix("HTTP/1.1 400"))
    #expect(server.clientsConnected == 0)
  }

  @Test func serverInfoAndAdvertise() throws {
    let server = try FoxgloveServer(address: FoxgloveAddress(host: "127.0.0.1", port: 0))
    defer { server.stop() }
    let client = try RawWebSocketClient(port: server.port)
    let head = try client.upgrade(subprotocol: "foxglove.websocket.v1")
    #expect(head.hasPrefix("HTTP/1.1 101"))
    #expect(head.lowercased().contains("sec-websocket-protocol: foxglove.websocket.v1"))
    let info = try client.readJSON()
    #expect(info["op"] as? String == "serverInfo" && info["name"] as? String == "sightline")
    #expect((info["capabilities"] as? [Any])?.isEmpty == true)
    let advertise = try client.readJSON()
    #expect(advertise["op"] as? String == "advertise")
    let channels = try #require(advertise["channels"] as? [[String: Any]])
    #expect(
      channels.compactMap { $0["topic"] as? String }
        == ["/sightline/frame", "/grid", "/grid/v2x", "/agents", "/ego/fix"])
    #expect(
      channels.compactMap { $0["schemaName"] as? String }
        == [
          "sightline.v1.FusedFrame", "foxglove.Grid", "foxglove.Grid", "foxglove.SceneUpdate",
          "foxglove.LocationFix",
        ])
    #expect(channels.compactMap { $0["id"] as? Int } == [1, 2, 3, 4, 5])
    for channel in channels {
      #expect(channel["encoding"] as? String == "protobuf")
      #expect(channel["schemaEncoding"] as? String == "protobuf")
    }
    let schema = try #require(Data(base64Encoded: channels[1]["schema"] as? String ?? ""))
    #expect(Array(schema) == Foxglove.gridSchema.data)
    #expect(
      try Google_Protobuf_FileDescriptorSet(serializedBytes: Array(schema)).file.contains {
        $0.messageType.contains { $0.name == "Grid" }
      })
  }

  @Test func subscribedGridsArriveStampedAndDecode() throws {
    let sink = try FoxgloveSink(address: FoxgloveAddress(host: "127.0.0.1", port: 0))
    defer { sink.close(discardPending: true) }
    let client = try subscribedClient(sink.server, [7: 2, 8: 1])
    var frames: [GridFrame] = []
    for index in 0..<3 {
      let frame = sampleFrame(sequence: UInt64(index), side: 8)
      try take(sink, frame)
      frames.append(frame)
    }
    #expect(sink.framesPublished == 3)
    var grids: [(UInt64, Foxglove_Grid)] = []
    var fused: [GridFrame] = []
    while grids.count + fused.count < 6 {
      let message = try client.readFrame()
      #expect(message.opcode == 2 && message.payload[0] == 1)
      let (subscription, time, payload) = split(message.payload)
      if subscription == 7 {
        grids.append((time, try Foxglove_Grid(serializedBytes: payload)))
      } else {
        #expect(subscription == 8)
        fused.append(try GridFrame.decode(Topic.grid.prefix + payload))
      }
    }
    #expect(grids.map(\.0) == frames.map { UInt64($0.referenceTimeNanoseconds) })
    #expect(grids.map(\.1.data) == frames.map { Data($0.cells.map { UInt8(bitPattern: $0) }) })
    #expect(grids.allSatisfy { $0.1.columnCount == 8 && $0.1.cellSize.x == 0.5 })
    #expect(fused == frames)
  }

  @Test func nobodySubscribedNothingConverted() throws {
    let sink = try FoxgloveSink(address: FoxgloveAddress(host: "127.0.0.1", port: 0))
    defer { sink.close(discardPending: true) }
    #expect(!sink.wantsFrames)
    let client = try subscribedClient(sink.server, [1: 2])
    #expect(sink.wantsFrames)
    try take(sink, sampleFrame(sequence: 0, side: 4))
    #expect(sink.framesPublished == 1)
    _ = try client.readFrame()
    try client.sendText(#"{"op":"unsubscribe","subscriptionIds":[1]}"#)
    try waitUntil { sink.server.subscribedChannels.isEmpty }
    #expect(!sink.wantsFrames)
    try take(sink, sampleFrame(sequence: 1, side: 4))
    #expect(sink.framesPublished == 1)
  }

  /// A stalled client (never reads, small receive buffer) beside a reading one, 300 messages of
  /// 64 KiB published as fast as they come: publishing never waits, the stalled client's queue
  /// drops its oldest and never holds more than `queueLimit` messages, the bytes held for it stay
  /// under `FoxgloveBacklog`'s bound (the queue, the write buffer's high watermark and two
  /// messages), and the reading client gets the newest messages, in order. Stopping closes both.
  @Test func aStalledClientHoldsUpNeitherPublishingNorAReadingClient() throws {
    let server = try FoxgloveServer(address: FoxgloveAddress(host: "127.0.0.1", port: 0))
    defer { server.stop() }
    let stalled = try subscribedClient(server, [1: 2], receiveBuffer: 4096)
    let reader = try subscribedClient(server, [2: 2])
    let received = ReceivedTimes()
    let readerDone = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      // Until the close frame: message times, which are the publishing order.
      while let message = try? reader.readFrame(), message.opcode == 2 {
        received.append(self.split(message.payload).1)
      }
      readerDone.signal()
    }
    let count = 300
    let size = 64 * 1024
    let published = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      let payload = [UInt8](repeating: 0x5a, count: size)
      for index in 0..<count {
        server.publish(channelID: 2, timestamp: UInt64(index), payload: payload)
      }
      published.signal()
    }
    // A liveness guard, not a timing: publish must return while the stalled client never reads.
    #expect(published.wait(timeout: .now() + 60) == .success, "publish blocked")
    try waitUntil { received.values.last == UInt64(count - 1) }
    let times = received.values
    #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "out of order: \(times)")
    let limit = server.queueLimit
    // Drop-oldest never drops one of the newest `queueLimit` messages of a client that reads.
    #expect(times.suffix(limit) == (count - limit..<count).map(UInt64.init))
    // The reader's losses are what it did not get; the rest of the drops are the stalled one's.
    let stalledDropped = server.dropped - (count - times.count)
    #expect(stalledDropped > count / 2, "stalled client dropped \(stalledDropped)")
    #expect(server.offered == 2 * count)
    try waitUntil {
      server.offered == server.sent + server.dropped + server.backlog.queuedMessages
    }
    let backlog = server.backlog
    #expect(backlog.peakQueuedMessages == limit, "the stalled client's queue filled, no further")
    #expect(backlog.largestMessageBytes == 13 + size)
    let bound = (limit + 2) * backlog.largestMessageBytes + FoxgloveServer.writeBufferHighWatermark
    #expect(backlog.peakBytes <= bound, "\(backlog.peakBytes) bytes held for one client")
    #expect(backlog.queuedMessages <= limit)
    server.stop()
    #expect(server.clientCount == 0)
    #expect(readerDone.wait(timeout: .now() + 10) == .success)
    _ = stalled
  }

  @Test func aSlowClientDoesNotCostAFastOneItsFrames() throws {
    let sink = try FoxgloveSink(address: FoxgloveAddress(host: "127.0.0.1", port: 0))
    defer { sink.close(discardPending: true) }
    let slow = try subscribedClient(sink.server, [1: 2], receiveBuffer: 4096)
    let fast = try subscribedClient(sink.server, [9: 2])
    let received = ReceivedCount()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      while received.value < 50, let message = try? fast.readFrame() {
        if message.opcode == 2 && message.payload[1] == 9 { received.increment() }
      }
      done.signal()
    }
    for index in 0..<50 {
      try take(sink, sampleFrame(sequence: UInt64(index), side: 512))
      usleep(10_000)  // 100 Hz, ten times a real frame rate
    }
    #expect(done.wait(timeout: .now() + 10) == .success)
    #expect(received.value == 50)
    #expect(sink.server.dropped > 0)
    _ = slow
  }

  @Test func addresses() {
    #expect(FoxgloveAddress("127.0.0.1:8765") == FoxgloveAddress(host: "127.0.0.1", port: 8765))
    #expect(FoxgloveAddress("[::1]:0") == FoxgloveAddress(host: "::1", port: 0))
    #expect(FoxgloveAddress("8765") == FoxgloveAddress(host: "127.0.0.1", port: 8765))
    #expect(FoxgloveAddress(":9") == FoxgloveAddress(host: "127.0.0.1", port: 9))
    #expect(FoxgloveAddress("host:x") == nil && FoxgloveAddress("h:70000") == nil)
    #expect(FoxgloveAddress(host: "::1", port: 5).description == "[::1]:5")
  }

  // MARK: helpers

  private final class ReceivedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
  }

  private final class ReceivedTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [UInt64] = []
    var values: [UInt64] { lock.withLock { times } }
    func append(_ time: UInt64) { lock.withLock { times.append(time) } }
  }

  /// A client past the handshake with `subscriptions` (id → channel id) in effect.
  private func subscribedClient(
    _ server: FoxgloveServer, _ subscriptions: [UInt32: UInt32], receiveBuffer: Int32? = nil
  ) throws -> RawWebSocketClient {
    let client = try RawWebSocketClient(port: server.port, receiveBuffer: receiveBuffer)
    let before = server.subscriptionCount
    try client.openFoxglove(subscribing: subscriptions)
    try waitUntil { server.subscriptionCount == before + subscriptions.count }
    return client
  }

  private func take(_ sink: FoxgloveSink, _ frame: GridFrame) throws {
    var grid: [UInt8] = []
    frame.encode(into: &grid)
    try sink.take(frame: frame, grid: grid, agents: [])
  }

  private func split(_ message: [UInt8]) -> (UInt32, UInt64, [UInt8]) {
    let subscription = message[1..<5].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    let time = message[5..<13].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    return (subscription, time, Array(message[13...]))
  }

  private func waitUntil(_ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(10)
    while !condition() {
      guard Date() < deadline else { throw RawWebSocketClient.Failure(description: "timed out") }
      usleep(2000)
    }
  }

  private func sampleFrame(sequence: UInt64, side: Int) -> GridFrame {
    var frame = GridFrame()
    frame.sequence = sequence
    frame.referenceTimeNanoseconds = 1_700_000_000_000_000_000 + Int64(sequence) * 100_000_000
    frame.publishTimeNanoseconds = frame.referenceTimeNanoseconds + 5_000_000
    frame.columns = UInt32(side)
    frame.rows = UInt32(side)
    frame.resolution = 0.5
    frame.cornerEast = -Double(side) / 4
    frame.cornerNorth = -Double(side) / 4
    frame.cells = (0..<(side * side)).map { Int8(truncatingIfNeeded: ($0 + Int(sequence)) % 101) }
    return frame
  }
}
