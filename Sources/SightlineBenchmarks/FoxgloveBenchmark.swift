import Foundation
import SightlineFoxglove
import SightlinePipeline

/// `sightline bench foxglove`: the frame loop serving Foxglove (a `FoxgloveSink` among its sinks,
/// on the frame thread as in a replay) with no client, with one that reads and decodes every
/// message, and with one that subscribes and then never reads (a 4 KiB receive buffer).
/// Publishing must not wait for the network, so the stalled case should time like the reading
/// one; what the server holds for the stalled client, and the process's resident memory, show
/// that its backlog stays bounded.
public enum FoxgloveBenchmark {
  public struct Outcome: Sendable {
    public var peer: SubscriberBenchmark.Peer
    public var frameNanoseconds: [Int64] = []
    /// Frames the loop published (warm-up included).
    public var framesPublished: UInt64 = 0
    /// Messages the server queued for the client, dropped for it, and (reading) that it decoded.
    public var offered = 0
    public var dropped = 0
    public var received: Int?
    public var undecodable: Int?
    /// The most the server held for the client (queue and channel), and the largest message.
    public var backlog = FoxgloveBacklog()
    public var queueLimit = 0
    /// Resident bytes after the warm-up pass, the highest sample during the timed passes and
    /// after the last one (Linux).
    public var residentStart: Int?
    public var residentPeak: Int?
    public var residentEnd: Int?
  }

  /// The channels a viewer subscribes to: the grids, the agents and the fix (subscription id =
  /// channel id). The fused frame is Sightline's own wire format, not for Foxglove's panels.
  static let channels: [UInt32] = [
    FoxgloveChannel.gridID, FoxgloveChannel.v2xGridID, FoxgloveChannel.agentsID,
    FoxgloveChannel.fixID,
  ]

  /// The stalled client's socket receive buffer (the kernel doubles it, and keeps a minimum).
  static let stalledReceiveBuffer: Int32 = 4096

  public static func run(
    capture: String, config: SightlineConfig, passes: Int, peer: SubscriberBenchmark.Peer,
    queueLimit: Int, progress: ((Double) -> Void)? = nil
  ) throws -> Outcome {
    let sink = try FoxgloveSink(
      address: FoxgloveAddress(host: "127.0.0.1", port: 0), queueLimit: queueLimit)
    defer { sink.close(discardPending: true) }
    let (client, reader) = try connect(peer, to: sink.server)
    reader?.start()
    // Resident memory over the timed passes: from the end of the warm-up to the last frame.
    let memory = ResidentMemorySampler()
    var samples: ResidentMemorySampler.Samples?
    let result = try FrameBenchmark.run(
      capture: capture, config: config, passes: passes, budget: nil, sinks: [sink],
      afterPass: { pass in
        if pass == 0 { memory.start() } else if pass == max(1, passes) { samples = memory.stop() }
      }, progress: progress)
    // The end of the stream stopped the server: the reader has its last messages and the close.
    let counts = reader?.join()
    withExtendedLifetime(client) {}
    let server = sink.server
    var outcome = Outcome(peer: peer, frameNanoseconds: result.frameNanoseconds)
    outcome.framesPublished = result.framesPublished
    outcome.offered = server.offered
    outcome.dropped = server.dropped
    outcome.received = counts?.decoded
    outcome.undecodable = counts?.undecodable
    outcome.backlog = server.backlog
    outcome.queueLimit = server.queueLimit
    outcome.residentStart = samples?.start
    outcome.residentPeak = samples?.peak
    outcome.residentEnd = samples?.end
    return outcome
  }

  /// The case's client, subscribed to `channels` before the first frame; a reader for the
  /// reading case.
  private static func connect(_ peer: SubscriberBenchmark.Peer, to server: FoxgloveServer) throws
    -> (RawWebSocketClient?, FoxgloveReader?)
  {
    guard peer != .none else { return (nil, nil) }
    let client = try RawWebSocketClient(
      port: server.port, receiveBuffer: peer == .stalled ? stalledReceiveBuffer : nil,
      timeoutSeconds: 60)
    try client.openFoxglove(
      subscribing: Dictionary(uniqueKeysWithValues: channels.map { ($0, $0) }))
    let deadline = Date().addingTimeInterval(10)
    while server.subscriptionCount < channels.count {
      guard Date() < deadline else {
        throw RawWebSocketClient.Failure(description: "the Foxglove server took no subscription")
      }
      usleep(1000)
    }
    return (client, peer == .reading ? FoxgloveReader(client: client) : nil)
  }
}
