import Foundation
import SightlineV2X
import SightlineZMQ
import Synchronization

extension V2XDecodeError {
  var isUnknownMessageId: Bool {
    if case .unknownMessageId = self { return true }
    return false
  }
}

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

/// Items waiting for the frame loop (V2X observations, GNSS fixes): bounded; when full the
/// oldest goes and is counted, so a stalled frame loop never grows memory.
public final class BoundedQueue<Item: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [Item] = []
  private var head = 0
  public let capacity: Int
  private var overflowCount = 0
  /// Items dropped because the queue was full (read under the lock: the pushing thread counts).
  public var overflowed: Int {
    lock.lock()
    defer { lock.unlock() }
    return overflowCount
  }

  public init(capacity: Int) {
    self.capacity = capacity
    items.reserveCapacity(capacity)
  }

  public func push(_ item: Item) {
    lock.lock()
    defer { lock.unlock() }
    if items.count - head >= capacity {
      head += 1
      overflowCount += 1
    }
    if head > 0 && items.count == items.capacity {
      items.removeFirst(head)
      head = 0
    }
    items.append(item)
  }

  /// Hands every waiting item to `body`, oldest first.
  public func drain(_ body: (Item) -> Void) {
    lock.lock()
    defer { lock.unlock() }
    for index in head..<items.count { body(items[index]) }
    items.removeAll(keepingCapacity: true)
    head = 0
  }
}

public typealias V2XQueue = BoundedQueue<V2XObservation>

/// The V2X thread of a live run: owns the sockets and the decoder state, feeds the queue.
final class V2XThread: @unchecked Sendable {
  let context: ZMQContext
  let config: SightlineConfig
  let queue: V2XQueue
  private let state = NSCondition()
  private var stopping = false
  private var done = false
  private(set) var counters = V2XCounters()
  private(set) var failure: (any Error)?
  /// The ingest's counters as of its last batch, for the frames' counters; copied value by
  /// value under the lock, so that neither thread's next count has to copy an array.
  private var latest = V2XCounters()

  let clock: HostClock
  let security: SocketSecurity?

  init(
    context: ZMQContext, config: SightlineConfig, queue: V2XQueue, clock: HostClock,
    security: SocketSecurity?
  ) {
    self.clock = clock
    self.security = security
    self.context = context
    self.config = config
    self.queue = queue
  }

  func start() {
    let thread = Thread { [self] in body() }
    thread.name = "sightline-v2x"
    thread.start()
  }

  private func body() {
    var ingest = V2XIngest(staleAfterMilliseconds: Int64(config.v2x.staleAfterMilliseconds))
    defer { ingest.release() }
    do {
      let sockets = try V2XSockets(
        context: context, sources: config.v2x.sources, clock: clock, security: security)
      while !stopRequested.load(ordering: .relaxed) && !isStopping {
        defer { share(ingest.counters) }
        _ = try sockets.receive(timeoutMilliseconds: 50) { index, payload, received in
          guard let payload else {
            ingest.countOversized()
            return
          }
          if let observation = ingest.ingest(
            payload, format: config.v2x.sources[index].format, receiveTimeNanoseconds: received,
            source: index)
          {
            queue.push(observation)
          }
        }
      }
    } catch {
      failure = error
    }
    state.lock()
    counters = ingest.counters
    done = true
    state.broadcast()
    state.unlock()
  }

  private func share(_ counters: V2XCounters) {
    state.lock()
    latest.received = counters.received
    latest.bsm = counters.bsm
    latest.psm = counters.psm
    latest.knownNotDecoded = counters.knownNotDecoded
    latest.outOfOrder = counters.outOfOrder
    latest.signed = counters.signed
    for index in counters.dropped.indices { latest.dropped[index] = counters.dropped[index] }
    state.unlock()
  }

  /// Runs `body` with the counters as of the last batch (under the lock: keep it short).
  func withLatestCounters<Result>(_ body: (V2XCounters) -> Result) -> Result {
    state.lock()
    defer { state.unlock() }
    return body(latest)
  }

  private var isStopping: Bool {
    state.lock()
    defer { state.unlock() }
    return stopping
  }

  func stop() {
    state.lock()
    stopping = true
    state.unlock()
  }

  func join() {
    state.lock()
    while !done { state.wait() }
    state.unlock()
  }
}
