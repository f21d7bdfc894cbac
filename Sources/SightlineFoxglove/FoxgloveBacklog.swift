/// What a `FoxgloveServer` holds in memory for clients whose sockets are behind: the messages in
/// their queues, and the bytes the event loop handed their channels that the kernel has not taken
/// yet. A client's queue holds at most `queueLimit` messages, and its channel stops taking more
/// once past the write buffer's high watermark (1 MiB), so one client's backlog stays under
/// `queueLimit` + 2 messages plus the watermark, however long it stalls (the message that
/// crossed the watermark, and the one the kernel has taken part of: it counts whole until its
/// last byte goes).
public struct FoxgloveBacklog: Sendable, Equatable {
  /// Messages in the clients' queues now, all clients.
  public var queuedMessages = 0
  /// Bytes waiting for the clients' sockets now (queues and channels), all clients.
  public var bytes = 0
  /// The most messages one client's queue has held (never above `queueLimit`).
  public var peakQueuedMessages = 0
  /// The most bytes waiting for one client at once (its queue and its channel).
  public var peakBytes = 0
  /// The largest message queued for a client.
  public var largestMessageBytes = 0

  public init() {}

  /// Two clients' backlogs together: what waits now adds up, the peaks are the larger.
  func merged(with other: FoxgloveBacklog) -> FoxgloveBacklog {
    var merged = self
    merged.queuedMessages += other.queuedMessages
    merged.bytes += other.bytes
    merged.peakQueuedMessages = max(peakQueuedMessages, other.peakQueuedMessages)
    merged.peakBytes = max(peakBytes, other.peakBytes)
    merged.largestMessageBytes = max(largestMessageBytes, other.largestMessageBytes)
    return merged
  }

  /// Only the peaks (of a client that has gone).
  var peaks: FoxgloveBacklog {
    var peaks = self
    peaks.queuedMessages = 0
    peaks.bytes = 0
    return peaks
  }
}
