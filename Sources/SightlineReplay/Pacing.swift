/// How fast a replay feeds the pipeline.
public enum Pacing: String, Sendable, CaseIterable {
  /// As fast as possible; time comes from the capture, never from the host clock.
  case virtual
  /// At the speed the packets were captured.
  case realtime
}
