import SightlinePublish

/// The line `sightline sub` ends with: what one subscription received and lost.
public enum SubscriptionSummaryReport {
  /// Frames received and lost; the publisher's own count, malformed messages and an input
  /// error when there were any.
  public static func line(_ summary: SubscriptionSummary) -> String {
    var line = "received \(summary.framesReceived) frames, lost \(summary.framesLost)"
    if let published = summary.framesPublished { line += ", publisher sent \(published)" }
    if summary.malformedMessages > 0 { line += ", \(summary.malformedMessages) malformed" }
    if summary.endedWithError { line += "; the publisher's input ended with an error" }
    return line
  }
}
