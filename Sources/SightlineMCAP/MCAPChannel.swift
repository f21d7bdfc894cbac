/// A channel as recorded: a topic and how its messages are encoded.
public struct MCAPChannel: Sendable, Equatable {
  public var id: UInt16
  /// 0 when the channel has no schema.
  public var schemaID: UInt16
  public var topic: String
  public var messageEncoding: String
  public var metadata: [String: String]

  public init(
    id: UInt16, schemaID: UInt16, topic: String, messageEncoding: String,
    metadata: [String: String]
  ) {
    self.id = id
    self.schemaID = schemaID
    self.topic = topic
    self.messageEncoding = messageEncoding
    self.metadata = metadata
  }
}
