import SightlineSchema
import SightlineZMQ

/// What a subscriber saw of a stream.
public struct SubscriptionSummary: Sendable, Equatable {
  public var framesReceived = 0
  /// Frames missing from the sequence (gaps), as counted by this subscriber.
  public var framesLost: UInt64 = 0
  public var framesOutOfOrder = 0
  public var malformedMessages = 0
  /// The publisher's own count, from its end-of-stream message, when one arrived.
  public var framesPublished: UInt64? = nil
  public var endedWithError = false

  public init() {}
}
