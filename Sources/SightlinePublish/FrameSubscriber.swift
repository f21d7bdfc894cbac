import SightlineSchema
import SightlineZMQ

/// Receives grid frames, checks their sequence, and reports each one.
public final class FrameSubscriber {
  let socket: ZMQSocket
  public private(set) var summary = SubscriptionSummary()
  private var expectedSequence: UInt64? = nil

  /// `latestOnly` keeps only the newest frame (CONFLATE), for consumers that must not queue;
  /// it subscribes to `grid` alone, since CONFLATE keeps one message of any topic.
  /// `receiveHighWaterMark` bounds the frames queued here before ZeroMQ drops (default 1000).
  public init(
    context: ZMQContext, endpoint: String, latestOnly: Bool = false,
    receiveHighWaterMark: Int? = nil, curve: CurveClientKeys? = nil
  ) throws(ZMQError) {
    socket = try ZMQSocket(context: context, type: .subscriber)
    if let curve {
      try socket.makeCurveClient(keyPair: curve.keyPair, serverPublicKey: curve.serverPublicKey)
    }
    if latestOnly { try socket.setConflate(true) }
    if let receiveHighWaterMark {
      try socket.setReceiveHighWaterMark(Int32(clamping: receiveHighWaterMark))
    }
    if !latestOnly {
      try socket.subscribe(prefix: Topic.agents.prefix)
      try socket.subscribe(prefix: Topic.stats.prefix)
    }
    // `grid` last: a publisher waiting for subscribers counts `grid` subscriptions, so when it
    // sees this one the others have reached it too, and no agents or stats go missing.
    try socket.subscribe(prefix: Topic.grid.prefix)
    try socket.connect(endpoint)
  }

  public enum Event {
    case frame(GridFrame)
    case agents(AgentsFrame)
    /// The run's counters; `endOfStream` says nothing more follows.
    case stats(StatsMessage)
    case idle
  }

  /// Waits up to `timeoutMilliseconds` (−1: forever) for the next message.
  public func next(timeoutMilliseconds: Int) throws -> Event {
    while true {
      guard let message = try socket.receive(timeoutMilliseconds: timeoutMilliseconds) else {
        return .idle
      }
      do {
        switch topic(of: message) {
        case .grid:
          let frame = try GridFrame.decode(message)
          account(sequence: frame.sequence)
          return .frame(frame)
        case .agents:
          return .agents(try AgentsFrame.decode(message))
        case .stats:
          let stats = try StatsMessage.decode(message)
          guard stats.endOfStream else { return .stats(stats) }
          summary.framesPublished = stats.framesPublished
          summary.endedWithError = stats.inputError
          // Frames after the last one received were lost too.
          let expected = expectedSequence ?? 0
          if stats.framesPublished > expected {
            summary.framesLost += stats.framesPublished - expected
          }
          return .stats(stats)
        case nil:
          summary.malformedMessages += 1
        }
      } catch {
        summary.malformedMessages += 1
      }
    }
  }

  func account(sequence: UInt64) {
    summary.framesReceived += 1
    let expected = expectedSequence ?? 0
    if sequence > expected {
      summary.framesLost += sequence - expected
    } else if sequence < expected {
      summary.framesOutOfOrder += 1
      return
    }
    expectedSequence = sequence + 1
  }

  public func close() { socket.close() }
}
