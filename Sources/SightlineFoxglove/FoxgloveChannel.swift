import SightlinePublish
import SightlineSchema

/// One channel a `FoxgloveServer` advertises: a topic with its protobuf schema (a
/// FileDescriptorSet, as a recording's schema record carries it).
public struct FoxgloveChannel: Sendable, Equatable {
  public var id: UInt32
  public var topic: String
  public var schemaName: String
  public var schema: [UInt8]

  public init(id: UInt32, topic: String, schemaName: String, schema: [UInt8]) {
    self.id = id
    self.topic = topic
    self.schemaName = schemaName
    self.schema = schema
  }

  /// The channels of a recording (`FrameRecorder.topics`), ids 1...5 in that order.
  public static let sightline: [FoxgloveChannel] = {
    let schemas = [
      Foxglove.fusedFrameSchema, Foxglove.gridSchema, Foxglove.gridSchema,
      Foxglove.sceneUpdateSchema, Foxglove.locationFixSchema,
    ]
    return zip(FrameRecorder.topics, schemas).enumerated().map { index, channel in
      FoxgloveChannel(
        id: UInt32(index + 1), topic: channel.0, schemaName: channel.1.name,
        schema: channel.1.data)
    }
  }()

  /// The ids of `sightline`'s channels.
  public static let frameID: UInt32 = 1
  public static let gridID: UInt32 = 2
  public static let v2xGridID: UInt32 = 3
  public static let agentsID: UInt32 = 4
  public static let fixID: UInt32 = 5
}
