/// The summary's Statistics record: counts and the time span, without reading any chunk.
public struct MCAPStatistics: Sendable, Equatable {
  public var messageCount: UInt64
  public var schemaCount: UInt16
  public var channelCount: UInt32
  public var attachmentCount: UInt32
  public var metadataCount: UInt32
  public var chunkCount: UInt32
  /// Earliest message log time; 0 when there are no messages.
  public var messageStartTime: UInt64
  /// Latest message log time; 0 when there are no messages.
  public var messageEndTime: UInt64
  /// Messages per channel ID; empty when the writer did not count them.
  public var channelMessageCounts: [UInt16: UInt64]

  public init(
    messageCount: UInt64, schemaCount: UInt16, channelCount: UInt32, attachmentCount: UInt32,
    metadataCount: UInt32, chunkCount: UInt32, messageStartTime: UInt64, messageEndTime: UInt64,
    channelMessageCounts: [UInt16: UInt64]
  ) {
    self.messageCount = messageCount
    self.schemaCount = schemaCount
    self.channelCount = channelCount
    self.attachmentCount = attachmentCount
    self.metadataCount = metadataCount
    self.chunkCount = chunkCount
    self.messageStartTime = messageStartTime
    self.messageEndTime = messageEndTime
    self.channelMessageCounts = channelMessageCounts
  }
}
