import SightlinePipeline
import SightlinePublish
import SightlineZMQ

/// The SUB sockets of the configured V2X sources, read on the thread that owns them. Each
/// message is timestamped on arrival and handed, as payload bytes, to a handler.
public final class V2XSockets {
  public let sources: [SightlineConfig.V2XSource]
  let sockets: [ZMQSocket]
  let poller: ZMQPoller
  /// Reused for every frame: a payload larger than this is counted as oversized.
  let buffer: UnsafeMutableRawBufferPointer
  public private(set) var oversized = 0
  /// Stamps each message on arrival.
  let clock: HostClock

  public init(
    context: ZMQContext, sources: [SightlineConfig.V2XSource], clock: HostClock = HostClock(),
    security: SocketSecurity? = nil
  ) throws {
    self.sources = sources
    self.clock = clock
    var sockets = [ZMQSocket]()
    for source in sources {
      let socket = try ZMQSocket(context: context, type: .subscriber)
      try socket.setReceiveHighWaterMark(Int32(source.receiveHighWaterMark))
      for topic in source.topics { try socket.subscribe(prefix: Array(topic.utf8)) }
      try security?.secure(source: source, socket: socket)
      if source.bind {
        try socket.bind(source.endpoint)
      } else {
        try socket.connect(source.endpoint)
      }
      sockets.append(socket)
    }
    self.sockets = sockets
    poller = ZMQPoller(sockets)
    buffer = UnsafeMutableRawBufferPointer.allocate(
      byteCount: V2XIngest.maximumPayloadBytes * 4 + 256, alignment: 8)
  }

  deinit { buffer.deallocate() }

  /// Waits up to `timeoutMilliseconds`, then drains every ready socket. `handler` gets the
  /// source index, the topic (single framing), the payload, and the receive time. Oversized
  /// payloads go to the handler as nil so that they are counted with the rest.
  public func receive(
    timeoutMilliseconds: Int,
    _ handler: (Int, UnsafeRawBufferPointer?, Int64) -> Void
  ) throws -> Int {
    guard try poller.wait(timeoutMilliseconds: timeoutMilliseconds) > 0 else { return 0 }
    var handled = 0
    for index in sockets.indices where poller.isReadable(index) {
      let source = sources[index]
      while let frame = try sockets[index].receive(into: buffer) {
        var last = frame
        // Multipart: the last frame is the payload; earlier ones (topics, envelopes) go.
        while last.more, let next = try sockets[index].receive(into: buffer) { last = next }
        let received = clock.now()
        handled += 1
        guard last.size <= buffer.count else {
          handler(index, nil, received)
          continue
        }
        var payload = UnsafeRawBufferPointer(
          rebasing: UnsafeRawBufferPointer(buffer)[0..<last.size])
        if source.framing == .single {
          let prefix = Self.matchedTopicLength(payload, topics: source.topics)
          payload = UnsafeRawBufferPointer(rebasing: payload[prefix...])
        }
        handler(index, payload, received)
      }
    }
    return handled
  }

  /// Length of the longest subscription prefix the message starts with.
  static func matchedTopicLength(_ message: UnsafeRawBufferPointer, topics: [String]) -> Int {
    var best = 0
    for topic in topics {
      var matched = true
      var length = 0
      for byte in topic.utf8 {
        guard length < message.count, message[length] == byte else {
          matched = false
          break
        }
        length += 1
      }
      if matched { best = max(best, length) }
    }
    return best
  }
}
