import SightlinePipeline
import SightlineSchema
import SightlineZMQ

/// Publishes frames on a ZeroMQ XPUB socket. XPUB rather than PUB so that a replay can wait
/// until its subscribers have joined (the slow-joiner problem). Sending never blocks: a
/// subscriber whose queue is full (SNDHWM messages) loses messages, which its sequence numbers
/// show, and the frame loop is not slowed.
public final class FramePublisher: FrameSink {
  let socket: ZMQSocket
  public let endpoint: String
  public private(set) var subscribersSeen = 0
  public private(set) var framesPublished: UInt64 = 0
  /// CURVE made from the config for this publisher alone (stopped when it closes).
  private var ownSecurity: SocketSecurity?

  public init(
    context: ZMQContext, endpoint: String, sendHighWaterMark: Int,
    security: SocketSecurity? = nil
  ) throws {
    socket = try ZMQSocket(context: context, type: .extendedPublisher)
    try socket.setSendHighWaterMark(Int32(sendHighWaterMark))
    try socket.setVerboseSubscriptions()
    try security?.secure(publisher: socket)
    try socket.bind(endpoint)
    self.endpoint = endpoint
  }

  /// The publisher `config.publish` describes. `security`: the run's CURVE, shared with its other
  /// sockets; without it, CURVE is made from the config when it asks for any.
  public convenience init(
    context: ZMQContext, config: SightlineConfig, security: SocketSecurity? = nil
  ) throws {
    let own = security == nil ? try SocketSecurity.make(config: config, context: context) : nil
    do {
      try self.init(
        context: context, endpoint: config.publish.endpoint,
        sendHighWaterMark: config.publish.sendHighWaterMark, security: security ?? own)
    } catch {
      own?.stop()
      throw error
    }
    ownSecurity = own
  }

  public struct NoSubscribers: Error, CustomStringConvertible {
    public let endpoint: String
    public let wanted: Int
    public let seen: Int
    public let seconds: Double
    public var description: String {
      "only \(seen) of \(wanted) subscriber(s) joined \(endpoint) within \(seconds) s"
    }
  }

  /// Blocks until `count` subscriptions have arrived, or throws after `timeoutSeconds`.
  public func waitForSubscribers(_ count: Int, timeoutSeconds: Double) throws {
    let deadline = MonotonicClock.nanoseconds() + Int64(timeoutSeconds * 1e9)
    while subscribersSeen < count {
      let left = Int((deadline - MonotonicClock.nanoseconds()) / 1_000_000)
      guard left > 0 else {
        throw NoSubscribers(
          endpoint: endpoint, wanted: count, seen: subscribersSeen, seconds: timeoutSeconds)
      }
      // XPUB delivers each subscription as a message: 1 = subscribe, then the prefix.
      if let message = try socket.receive(timeoutMilliseconds: left), message.first == 1,
        Array(message.dropFirst()) == Topic.grid.prefix
      {
        subscribersSeen += 1
      }
    }
  }

  public func publish(_ message: [UInt8]) throws(ZMQError) {
    _ = try socket.send(message)
    framesPublished += 1
  }

  /// A message that accompanies frames (agents, stats); not counted as a frame.
  public func publishSide(_ message: [UInt8]) throws(ZMQError) {
    _ = try socket.send(message)
  }

  /// Closes the socket. `discardPending`: drop what subscribers have not taken yet (linger 0),
  /// for a shutdown that must not wait on a slow subscriber; otherwise up to a second is given
  /// to deliver it (the end-of-stream stats).
  public func close(discardPending: Bool = false) {
    if discardPending { try? socket.setLinger(milliseconds: 0) }
    socket.close()
    ownSecurity?.stop()
    ownSecurity = nil
  }

  // FrameSink: the grid (counted as a frame), then its agents; stats on the side.
  public func take(frame: GridFrame, grid: [UInt8], agents: [UInt8]) throws {
    try publish(grid)
    try publishSide(agents)
  }

  public func take(stats: [UInt8]) throws { try publishSide(stats) }

  public func finish() {}
}
