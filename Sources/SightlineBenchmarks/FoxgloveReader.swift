import Foundation
import SightlineFoxglove
import SightlineLive
import SightlineProto
import SwiftProtobuf

/// A Foxglove client that reads and decodes every message on its own thread (grids, scene
/// updates, fixes, as a viewer would) until the server closes the connection. Its subscription
/// ids are the channel ids.
final class FoxgloveReader: Sendable {
  struct Counts: Sendable {
    var decoded = 0
    var undecodable = 0
  }

  private let client: RawWebSocketClient
  private let worker = WorkerThread(name: "sightline-bench-foxglove-reader")
  private let box = CountsBox()

  init(client: RawWebSocketClient) { self.client = client }

  func start() {
    worker.start { [client, box] _ in
      // Binary messages until the close frame (or the connection ends); text is status.
      while let message = try? client.readFrame(), message.opcode != 8 {
        guard message.opcode == 2 else { continue }
        box.add(decoded: Self.decode(message.payload))
      }
    }
  }

  /// Waits until the server has closed the connection; what was read.
  func join() -> Counts {
    worker.join()
    return box.counts
  }

  /// A `MessageData`: opcode 1, subscription id (u32 LE), time (u64 LE), the protobuf message.
  static func decode(_ message: [UInt8]) -> Bool {
    guard message.count >= 13, message[0] == FoxgloveProtocol.messageDataOpcode else {
      return false
    }
    let subscription = message[1..<5].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    let body = Array(message[13...])
    switch subscription {
    case FoxgloveChannel.gridID, FoxgloveChannel.v2xGridID:
      return (try? Foxglove_Grid(serializedBytes: body)) != nil
    case FoxgloveChannel.agentsID:
      return (try? Foxglove_SceneUpdate(serializedBytes: body)) != nil
    case FoxgloveChannel.fixID:
      return (try? Foxglove_LocationFix(serializedBytes: body)) != nil
    default:
      return false
    }
  }
}

/// The counts, shared with the reading thread.
private final class CountsBox: @unchecked Sendable {
  private let lock = NSLock()
  private var value = FoxgloveReader.Counts()

  var counts: FoxgloveReader.Counts { lock.withLock { value } }

  func add(decoded: Bool) {
    lock.withLock {
      if decoded { value.decoded += 1 } else { value.undecodable += 1 }
    }
  }
}
