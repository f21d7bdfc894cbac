/// A schema as recorded: how a channel's message bytes are to be decoded.
public struct MCAPSchema: Sendable, Equatable {
  public var id: UInt16
  public var name: String
  public var encoding: String
  public var data: [UInt8]

  public init(id: UInt16, name: String, encoding: String, data: [UInt8]) {
    self.id = id
    self.name = name
    self.encoding = encoding
    self.data = data
  }
}
