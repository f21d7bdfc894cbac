// The schedule of `bench subscribers` and `bench foxglove`: three cases in turn, round by round.

import SightlinePipeline

/// Runs SubscriberBenchmark's cases (no subscriber, a reading one, a stalled one) in turn,
/// `rounds` times: interleaved, so that the machine's drift spreads over all three. `bench
/// foxglove` runs its cases (no client, a reading one, a stalled one) the same way.
public enum SubscriberRounds {
  /// Each case's outcomes, one per round, in order.
  public static func run(
    capture: String, config: SightlineConfig, passes: Int, port: Int, rounds: Int
  ) throws -> [SubscriberBenchmark.Peer: [SubscriberBenchmark.Outcome]] {
    try interleave(rounds: rounds) { peer in
      try SubscriberBenchmark.run(
        capture: capture, config: config, passes: passes, peer: peer, port: port)
    }
  }

  /// `body` for each case in turn, `rounds` times; each case's outcomes, one per round, in order.
  public static func interleave<Outcome>(
    rounds: Int, _ body: (SubscriberBenchmark.Peer) throws -> Outcome
  ) rethrows -> [SubscriberBenchmark.Peer: [Outcome]] {
    var outcomes: [SubscriberBenchmark.Peer: [Outcome]] = [:]
    for _ in 0..<rounds {
      for peer in SubscriberBenchmark.Peer.allCases {
        outcomes[peer, default: []].append(try body(peer))
      }
    }
    return outcomes
  }
}
