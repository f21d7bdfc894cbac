import SightlineLive
import SightlineSchema
import SightlineZMQ
import Synchronization

/// The consumer side of `bench latency`: a ZeroMQ subscriber on its own thread that stamps each
/// `grid` message on the run's `HostClock` as soon as its receive returns (libzmq's message
/// copied out, about 0.1 ms for a 1 MB grid), before decoding it (decoding is the consumer's
/// own cost, not the runtime's), then keeps what the match needs from the frame's header.
/// Reads until the run's end-of-stream stats.
final class LatencySubscriber: Sendable {
  /// One frame as it arrived.
  struct Arrival: Sendable {
    var sequence: UInt64
    var withLidar: Bool
    var partialSweep: Bool
    var degraded: Bool
    var referenceTimeNanoseconds: Int64
    var publishTimeNanoseconds: Int64
    /// The frame's own stage times: V2X and decay plus LiDAR (the grid), and output (encoding).
    var gridNanoseconds: Int64
    var outputNanoseconds: Int64
    var arrivalNanoseconds: Int64
  }

  struct Outcome: Sendable {
    var arrivals: [Arrival] = []
    /// Messages that did not decode.
    var malformed = 0
    /// The run's end-of-stream stats arrived (else the read stopped on silence).
    var sawEndOfStream = false
  }

  private let worker = WorkerThread(name: "sightline-bench-latency-subscriber")
  private let outcome = Mutex(Outcome())
  private let frames = Atomic<Int>(0)

  /// Connects to `endpoint` and reads on a new thread; `clock` stamps arrivals. Stops at the
  /// end-of-stream stats, or after `idleSeconds` of silence once `stop` was called.
  init(context: ZMQContext, endpoint: String, clock: HostClock) throws {
    let socket = try ZMQSocket(context: context, type: .subscriber)
    try socket.subscribe(prefix: Topic.stats.prefix)
    // `grid` last: the run's wait for subscribers counts `grid` subscriptions.
    try socket.subscribe(prefix: Topic.grid.prefix)
    try socket.connect(endpoint)
    let box = SocketBox(socket)
    worker.start { [self] worker in
      defer { box.socket.close() }
      var read = Outcome()
      read.arrivals.reserveCapacity(4096)
      var silentSince: Int64?
      while true {
        guard let message = try box.socket.receive(timeoutMilliseconds: 50) else {
          guard worker.isStopping else { continue }
          let now = clock.now()
          if now - (silentSince ?? now) > 2_000_000_000 { break }
          if silentSince == nil { silentSince = now }
          continue
        }
        let arrived = clock.now()
        silentSince = nil
        if Self.take(message, arrivedAt: arrived, into: &read) { break }
        frames.store(read.arrivals.count, ordering: .relaxed)
      }
      let done = read
      outcome.withLock { $0 = done }
    }
  }

  /// Adds the message to `read`; true at the end-of-stream stats.
  private static func take(_ message: [UInt8], arrivedAt arrived: Int64, into read: inout Outcome)
    -> Bool
  {
    do {
      switch topic(of: message) {
      case .grid:
        let frame = try GridFrame.decode(message)
        read.arrivals.append(
          Arrival(
            sequence: frame.sequence, withLidar: !frame.flags.contains(.lidarAbsent),
            partialSweep: frame.flags.contains(.partialSweep),
            degraded: frame.flags.contains(.degraded),
            referenceTimeNanoseconds: frame.referenceTimeNanoseconds,
            publishTimeNanoseconds: frame.publishTimeNanoseconds,
            gridNanoseconds: Int64(frame.v2xAndDecayNanoseconds) + Int64(frame.lidarNanoseconds),
            outputNanoseconds: Int64(frame.outputNanoseconds), arrivalNanoseconds: arrived))
      case .stats:
        if try StatsMessage.decode(message).endOfStream {
          read.sawEndOfStream = true
          return true
        }
      case .agents, nil:
        read.malformed += 1
      }
    } catch {
      read.malformed += 1
    }
    return false
  }

  /// Frames received so far (of any kind).
  var framesReceived: Int { frames.load(ordering: .relaxed) }

  /// Waits for the end-of-stream stats (or 2 s of silence) and returns what arrived.
  func finish() throws -> Outcome {
    worker.stop()
    worker.join()
    if let failure = worker.failure { throw failure }
    return outcome.withLock { $0 }
  }
}

/// The socket, handed to the reading thread (which alone uses it from then on).
private final class SocketBox: @unchecked Sendable {
  let socket: ZMQSocket
  init(_ socket: ZMQSocket) { self.socket = socket }
}
