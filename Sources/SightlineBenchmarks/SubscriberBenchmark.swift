import Foundation
import SightlineGrid
import SightlineLidar
import SightlineNet
import SightlinePipeline
import SightlinePublish
import SightlineZMQ

/// `sightline bench subscribers`: the frame loop's timing with no subscriber, with one that
/// keeps up, and with one that never reads (stalled). Publishing must not block, so the three
/// should match; the stalled subscriber's losses show in its sequence numbers.
public enum SubscriberBenchmark {
  public enum Peer: String, CaseIterable, Sendable {
    case none
    case reading
    case stalled
  }

  public struct Outcome: Sendable {
    public var peer: Peer
    public var frameNanoseconds: [Int64]
    /// What the subscriber saw (none: nil): frames it got and the gaps it counted.
    public var received: Int?
    public var lost: UInt64?
    /// Frames the loop published (warm-up included).
    public var published: UInt64 = 0
  }

  /// `progress` hears the fraction of passes done (FrameBenchmark.run's).
  public static func run(
    capture: String, config: SightlineConfig, passes: Int, peer: Peer, port: Int,
    progress: ((Double) -> Void)? = nil
  ) throws -> Outcome {
    let context = try ZMQContext()
    let endpoint = "tcp://127.0.0.1:\(port)"
    var config = config
    // Frames queued per subscriber before ZeroMQ drops for it: small, so a stall bites.
    config.publish.sendHighWaterMark = 4
    var outcome = Outcome(peer: peer, frameNanoseconds: [])
    var reader: SubscriberThread?
    var stalled: FrameSubscriber?
    switch peer {
    case .none: break
    case .reading:
      reader = SubscriberThread(context: context, endpoint: endpoint)
      reader?.start()
    case .stalled:
      stalled = try FrameSubscriber(context: context, endpoint: endpoint, receiveHighWaterMark: 4)
    }
    let result = try FrameBenchmark.run(
      capture: capture, config: config, passes: passes, budget: nil, context: context,
      endpoint: endpoint, progress: progress)
    outcome.frameNanoseconds = result.frameNanoseconds
    outcome.published = result.framesPublished
    if let reader {
      let summary = reader.stop()
      outcome.received = summary.framesReceived
      outcome.lost = summary.framesLost
    }
    if let stalled {
      // Read what the stalled subscriber still holds: the gaps are its visible losses.
      while true {
        if case .idle = try stalled.next(timeoutMilliseconds: 300) { break }
      }
      outcome.received = stalled.summary.framesReceived
      outcome.lost = stalled.summary.framesLost
      stalled.close()
    }
    return outcome
  }
}
