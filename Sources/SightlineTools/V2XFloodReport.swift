import Foundation

/// The line `sightline flood` ends with: what it sent, how fast.
public enum V2XFloodReport {
  /// BSMs sent, seconds taken, the achieved rate, the `senders` they came from, and how many
  /// the socket did not queue (its high-water mark).
  public static func line(_ result: V2XFlood.Result, senders: Int) -> String {
    "flood: sent \(result.sent) BSMs in \(String(format: "%.2f", result.elapsedSeconds)) s"
      + " (\(Int(Double(result.sent) / max(result.elapsedSeconds, 1e-9)))/s) from \(senders)"
      + " senders; \(result.notQueued) not queued (high-water mark)"
  }
}
