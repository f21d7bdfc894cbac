// `sightline bench subscribers`' schedule: the three subscriber cases in turn, round by round.

import SightlinePipeline

/// Runs SubscriberBenchmark's cases (no subscriber, a reading one, a stalled one) in turn,
/// `rounds` times: interleaved, so that the machine's drift spreads over all three.
public enum SubscriberRounds {
  /// Each case's outcomes, one per round, in order.
  public static func run(
    capture: String, config: SightlineConfig, passes: Int, port: Int, rounds: Int
  ) throws -> [SubscriberBenchmark.Peer: [SubscriberBenchmark.Outcome]] {
    var outcomes: [SubscriberBenchmark.Peer: [SubscriberBenchmark.Outcome]] = [:]
    for _ in 0..<rounds {
      for peer in SubscriberBenchmark.Peer.allCases {
        outcomes[peer, default: []].append(
          try SubscriberBenchmark.run(
            capture: capture, config: config, passes: passes, peer: peer, port: port))
      }
    }
    return outcomes
  }
}
