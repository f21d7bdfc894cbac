/// One recorded message, with its channel's topic resolved for convenience.
public struct MCAPMessage: Sendable, Equatable {
  public var channelID: UInt16
  public var topic: String
  public var sequence: UInt32
  /// Nanoseconds, recording clock.
  public var logTime: UInt64
  /// Nanoseconds, publisher clock.
  public var publishTime: UInt64
  public var data: [UInt8]

  public init(
    channelID: UInt16, topic: String, sequence: UInt32, logTime: UInt64, publishTime: UInt64,
    data: [UInt8]
  ) {
    self.channelID = channelID
    self.topic = topic
    self.sequence = sequence
    self.logTime = logTime
    self.publishTime = publishTime
    self.data = data
  }
}
