// `sightline bench subscribers`' schedule: the three subscriber cases in turn, round by round.

import SightlinePipeline

/// Runs SubscriberBenchmark's cases (no subscriber, a reading one, a stalled one) in turn,
/// `rounds` times: interleaved, so that the machine's drift spreads over all three. `bench
/// foxglove` runs its cases (no client, a reading one, a stalled one) the same way.
public enum SubscriberRounds {
  /// Each case's outcomes, one per round, in order. `progress` hears the fraction of all the
  /// rounds' passes done, between passes (ProgressThrottle).
  public static func run(
    capture: String, config: SightlineConfig, passes: Int, port: Int, rounds: Int,
    progress: ((Double) -> Void)? = nil
  ) throws -> [SubscriberBenchmark.Peer: [SubscriberBenchmark.Outcome]] {
    try interleave(rounds: rounds, progress: progress) { peer, inCase in
      try SubscriberBenchmark.run(
        capture: capture, config: config, passes: passes, peer: peer, port: port,
        progress: inCase)
    }
  }

  /// `body` for each case in turn, `rounds` times; each case's outcomes, one per round, in
  /// order. `body` is given the progress of its own case (nil when `progress` is).
  public static func interleave<Outcome>(
    rounds: Int, progress: ((Double) -> Void)? = nil,
    _ body: (SubscriberBenchmark.Peer, ((Double) -> Void)?) throws -> Outcome
  ) rethrows -> [SubscriberBenchmark.Peer: [Outcome]] {
    var outcomes: [SubscriberBenchmark.Peer: [Outcome]] = [:]
    var throttle = ProgressThrottle(progress)
    let cases = Double(max(1, rounds * SubscriberBenchmark.Peer.allCases.count))
    var done = 0.0
    for _ in 0..<rounds {
      for peer in SubscriberBenchmark.Peer.allCases {
        let inCase: ((Double) -> Void)? =
          progress == nil ? nil : { throttle.update((done + $0) / cases) }
        outcomes[peer, default: []].append(try body(peer, inCase))
        done += 1
      }
    }
    throttle.finish()
    return outcomes
  }
}
