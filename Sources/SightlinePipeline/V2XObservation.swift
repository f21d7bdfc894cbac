import SightlineV2X

/// One decoded, admitted V2X message: what the timeline and tracker stages consume.
public struct V2XObservation: Sendable, Equatable {
  public enum Message: Sendable, Equatable {
    case bsm(BasicSafetyMessage)
    case psm(PersonalSafetyMessage)
  }
  public var message: Message
  /// CLOCK_REALTIME when it arrived (or the recorded receive time on replay), UTC ns.
  public var receiveTimeNanoseconds: Int64
  /// Receive − generation, from secMark; nil when the message carries no time.
  public var ageMilliseconds: Int64?
  public var outOfOrder: Bool
  public var source: Int

  public init(
    message: Message, receiveTimeNanoseconds: Int64, ageMilliseconds: Int64?, outOfOrder: Bool,
    source: Int
  ) {
    self.message = message
    self.receiveTimeNanoseconds = receiveTimeNanoseconds
    self.ageMilliseconds = ageMilliseconds
    self.outOfOrder = outOfOrder
    self.source = source
  }
}
