import Foundation
import NIOCore

/// The Foxglove WebSocket protocol, v1 (github.com/foxglove/ws-protocol): JSON text messages
/// for control, binary messages for data. This server only sends data; clients subscribe.
public enum FoxgloveProtocol {
  /// The subprotocol clients must ask for (`Sec-WebSocket-Protocol`).
  public static let subprotocol = "foxglove.websocket.v1"
  /// The opcode of a server's binary `MessageData`.
  public static let messageDataOpcode: UInt8 = 0x01

  /// What a client asks for in a text message.
  enum ClientOp: Equatable {
    case subscribe([Subscription])
    case unsubscribe([UInt32])
    case unsupported(String)
  }

  struct Subscription: Codable, Equatable {
    var id: UInt32
    var channelId: UInt32
  }

  /// Status levels of a `status` message.
  enum Level: Int {
    case info = 0
    case warning = 1
    case error = 2
  }

  private struct Op: Decodable {
    var op: String
    var subscriptions: [Subscription]?
    var subscriptionIds: [UInt32]?
  }

  private struct ServerInfo: Encodable {
    var op = "serverInfo"
    var name: String
    var capabilities: [String] = []
    var supportedEncodings: [String] = []
    var metadata: [String: String] = [:]
    var sessionId: String
  }

  private struct Advertise: Encodable {
    struct Channel: Encodable {
      var id: UInt32
      var topic: String
      var encoding = "protobuf"
      var schemaName: String
      var schema: String
      var schemaEncoding = "protobuf"
    }
    var op = "advertise"
    var channels: [Channel]
  }

  private struct Status: Encodable {
    var op = "status"
    var level: Int
    var message: String
  }

  static func serverInfo(name: String, sessionID: String) -> String {
    json(ServerInfo(name: name, sessionId: sessionID))
  }

  static func advertise(_ channels: [FoxgloveChannel]) -> String {
    json(
      Advertise(
        channels: channels.map {
          Advertise.Channel(
            id: $0.id, topic: $0.topic, schemaName: $0.schemaName,
            schema: Data($0.schema).base64EncodedString())
        }))
  }

  static func status(_ level: Level, _ message: String) -> String {
    json(Status(level: level.rawValue, message: message))
  }

  /// A client's text message; nil when it is not JSON with an `op`.
  static func parse(_ text: ByteBuffer) -> ClientOp? {
    guard let op = try? JSONDecoder().decode(Op.self, from: Data(text.readableBytesView)) else {
      return nil
    }
    switch op.op {
    case "subscribe": return op.subscriptions.map { .subscribe($0) }
    case "unsubscribe": return op.subscriptionIds.map { .unsubscribe($0) }
    default: return .unsupported(op.op)
    }
  }

  /// A binary `MessageData`: opcode, subscription id (u32 LE), receive time (u64 LE ns), payload.
  static func messageData(
    subscription: UInt32, timestamp: UInt64, payload: UnsafeRawBufferPointer,
    allocator: ByteBufferAllocator
  ) -> ByteBuffer {
    var buffer = allocator.buffer(capacity: 13 + payload.count)
    buffer.writeInteger(messageDataOpcode)
    buffer.writeInteger(subscription, endianness: .little)
    buffer.writeInteger(timestamp, endianness: .little)
    buffer.writeBytes(payload)
    return buffer
  }

  private static func json<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Encoding these plain structs cannot fail.
    return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
  }
}
