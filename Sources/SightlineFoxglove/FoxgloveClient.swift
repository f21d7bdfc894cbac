import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// One connected client: its subscriptions and a bounded queue of messages waiting for its
/// socket. The frame side offers messages from its own thread and never waits for the network:
/// when the queue is full the oldest message is dropped and counted (a slow client costs at most
/// `queueLimit` messages plus the channel's write buffer, never the frame loop's time). The
/// event loop moves queued messages into the channel while it is writable. `backlog` says how
/// much waits, and the most that ever did.
final class FoxgloveClient: @unchecked Sendable {
  let channel: any Channel
  private let queueLimit: Int
  private let lock = NIOLock()
  /// Subscription id → channel id.
  private var subscriptions: [UInt32: UInt32] = [:]
  private var queue = CircularBuffer<ByteBuffer>()
  /// Bytes in `queue`, and bytes written to the channel that the kernel has not taken yet.
  private var queuedBytes = 0
  private var unwrittenBytes = 0
  /// The peaks of the backlog (its current figures are the fields above).
  private var peaks = FoxgloveBacklog()
  private var offeredMessages = 0
  private var flushScheduled = false
  private var closing = false
  private var droppedMessages = 0
  private var sentMessages = 0

  init(channel: any Channel, queueLimit: Int) {
    self.channel = channel
    self.queueLimit = max(1, queueLimit)
    queue.reserveCapacity(self.queueLimit + 1)
  }

  /// Messages dropped because the client fell behind.
  var dropped: Int { lock.withLock { droppedMessages } }
  /// Messages handed to the socket.
  var sent: Int { lock.withLock { sentMessages } }
  /// Messages queued for this client (one per subscription a published message matched).
  var offered: Int { lock.withLock { offeredMessages } }

  /// What waits for this client's socket now, and the most that did.
  var backlog: FoxgloveBacklog {
    lock.withLock {
      var backlog = peaks
      backlog.queuedMessages = queue.count
      backlog.bytes = queuedBytes + unwrittenBytes
      return backlog
    }
  }

  var subscriptionCount: Int { lock.withLock { subscriptions.count } }

  /// The channels this client has at least one subscription to.
  var subscribedChannels: Set<UInt32> { lock.withLock { Set(subscriptions.values) } }

  /// Adds a subscription; false when the id is already in use.
  func subscribe(id: UInt32, channelID: UInt32) -> Bool {
    lock.withLock {
      guard subscriptions[id] == nil else { return false }
      subscriptions[id] = channelID
      return true
    }
  }

  /// Removes a subscription; false when there was none with that id.
  func unsubscribe(id: UInt32) -> Bool {
    lock.withLock { subscriptions.removeValue(forKey: id) != nil }
  }

  /// Queues `payload` for every subscription to `channelID` (any thread; never blocks on I/O).
  func offer(channelID: UInt32, timestamp: UInt64, payload: UnsafeRawBufferPointer) {
    let ids = lock.withLock { subscriptions.filter { $0.value == channelID }.map(\.key) }
    guard !ids.isEmpty else { return }
    let messages = ids.map {
      FoxgloveProtocol.messageData(
        subscription: $0, timestamp: timestamp, payload: payload, allocator: channel.allocator)
    }
    let schedule = lock.withLock { () -> Bool in
      guard !closing else { return false }
      for message in messages { enqueue(message) }
      defer { flushScheduled = true }
      return !flushScheduled
    }
    if schedule { channel.eventLoop.execute { self.flush() } }
  }

  /// With the lock held: appends `message`, dropping the oldest when the queue is full.
  private func enqueue(_ message: ByteBuffer) {
    if queue.count >= queueLimit, let oldest = queue.popFirst() {
      queuedBytes -= oldest.readableBytes
      droppedMessages += 1
    }
    queue.append(message)
    offeredMessages += 1
    queuedBytes += message.readableBytes
    peaks.peakQueuedMessages = max(peaks.peakQueuedMessages, queue.count)
    peaks.peakBytes = max(peaks.peakBytes, queuedBytes + unwrittenBytes)
    peaks.largestMessageBytes = max(peaks.largestMessageBytes, message.readableBytes)
  }

  /// On the event loop: moves queued messages into the channel while it stays writable. Called
  /// when messages arrive and when the channel becomes writable again.
  func flush() {
    var wrote = false
    while let message = nextMessage() {
      let bytes = message.readableBytes
      let written = channel.eventLoop.makePromise(of: Void.self)
      written.futureResult.whenComplete { _ in self.lock.withLock { self.unwrittenBytes -= bytes } }
      channel.write(WebSocketFrame(fin: true, opcode: .binary, data: message), promise: written)
      wrote = true
    }
    if wrote { channel.flush() }
  }

  private func nextMessage() -> ByteBuffer? {
    lock.withLock {
      guard channel.isWritable, let message = queue.popFirst() else {
        flushScheduled = false
        return nil
      }
      sentMessages += 1
      queuedBytes -= message.readableBytes
      unwrittenBytes += message.readableBytes
      return message
    }
  }

  /// The connection is gone: later offers are ignored (nothing is scheduled on its loop).
  func markClosed() {
    lock.withLock {
      closing = true
      queue.removeAll()
      queuedBytes = 0
    }
  }

  /// On the event loop: writes what is queued (whatever the writability: at most `queueLimit`
  /// messages), a close frame (1001 going away), and closes the connection once they are out.
  func drainAndClose() {
    let pending = lock.withLock { () -> [ByteBuffer] in
      closing = true
      defer {
        queue.removeAll()
        queuedBytes = 0
      }
      sentMessages += queue.count
      return Array(queue)
    }
    for message in pending {
      channel.write(WebSocketFrame(fin: true, opcode: .binary, data: message), promise: nil)
    }
    var code = channel.allocator.buffer(capacity: 2)
    code.write(webSocketErrorCode: .goingAway)
    let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
    let channel = self.channel
    channel.writeAndFlush(close).whenComplete { _ in channel.close(promise: nil) }
  }
}
