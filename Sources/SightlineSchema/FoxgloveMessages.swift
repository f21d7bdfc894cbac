// The foxglove schemas a recording carries next to the raw FusedFrame, so that a recording opens
// in Foxglove as a grid, agents and a map position. Written into reusable buffers like the
// frames; the descriptors are the official ones (Tools/proto/regenerate.sh).

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

public enum Foxglove {
  /// Schema names and their FileDescriptorSets, as MCAP schema records embed them.
  public static let gridSchema = (name: "foxglove.Grid", data: Descriptors.foxgloveGrid)
  public static let sceneUpdateSchema = (
    name: "foxglove.SceneUpdate", data: Descriptors.foxgloveSceneUpdate
  )
  public static let locationFixSchema = (
    name: "foxglove.LocationFix", data: Descriptors.foxgloveLocationFix
  )
  public static let fusedFrameSchema = (
    name: "sightline.v1.FusedFrame", data: Descriptors.sightlineV1
  )

  public enum GridLayer: Sendable {
    /// The fused grid: int8, −1 unknown, 0...100.
    case occupancy
    /// The V2X layer: int8 probability percent, −1 where no agent reaches.
    case v2x
  }

  /// A layer of `frame` as a `foxglove.Grid`. Returns false (and writes nothing) when the frame
  /// does not carry that layer.
  @discardableResult
  public static func grid(_ frame: GridFrame, layer: GridLayer, into buffer: inout [UInt8]) -> Bool
  {
    buffer.removeAll(keepingCapacity: true)
    let cells = layer == .occupancy ? frame.cells : frame.v2xCells
    guard !cells.isEmpty else { return false }
    buffer.protoMessage(1) { writeTimestamp(&$0, frame.referenceTimeNanoseconds) }
    buffer.protoString(2, frame.frameID)
    buffer.protoMessage(3) { pose in
      writePose(&pose, x: frame.cornerEast, y: frame.cornerNorth, z: 0, yaw: 0)
    }
    buffer.protoFixed32(4, frame.columns)
    buffer.protoMessage(5) { size in
      size.protoDouble(1, Double(frame.resolution))
      size.protoDouble(2, Double(frame.resolution))
    }
    buffer.protoFixed32(6, frame.columns)
    buffer.protoFixed32(7, 1)
    buffer.protoMessage(8) { field in
      field.protoString(1, layer == .occupancy ? "occupancy" : "v2x")
      field.protoUInt(3, 2)  // INT8
    }
    cells.withUnsafeBytes { buffer.protoBytes(9, $0) }
    return true
  }

  /// The ego and the agents of `frame` as a `foxglove.SceneUpdate`: it first deletes every
  /// entity, so agents that left do not linger. Vehicles are boxes, people cylinders; each has a
  /// flat 2σ uncertainty disc, coloured by its consistency with LiDAR.
  public static func sceneUpdate(_ frame: GridFrame, into buffer: inout [UInt8]) {
    buffer.removeAll(keepingCapacity: true)
    buffer.protoMessage(1) { deletion in
      writeTimestamp(&deletion, frame.referenceTimeNanoseconds)
      deletion.protoUInt(2, 1)  // ALL
    }
    buffer.protoMessage(2) { entity in
      entityHeader(&entity, frame, id: "ego", number: nil)
      entity.protoMessage(7) { arrow in  // arrows
        arrow.protoMessage(1) {
          writePose(&$0, x: frame.egoEast, y: frame.egoNorth, z: 0.5, yaw: Double(frame.egoYaw))
        }
        arrow.protoDouble(2, 2.5)
        arrow.protoDouble(3, 0.3)
        arrow.protoDouble(4, 1.0)
        arrow.protoDouble(5, 0.8)
        arrow.protoMessage(6) { writeColor(&$0, 0.1, 0.4, 1.0, 1) }
      }
    }
    for agent in frame.agents {
      buffer.protoMessage(2) { entity in
        entityHeader(&entity, frame, id: "agent-", number: agent.id)
        let (r, g, b) = color(agent.consistency)
        let yaw = Double(agent.heading ?? 0)
        if agent.kind == .vehicle {
          entity.protoMessage(8) { cube in  // cubes
            cube.protoMessage(1) {
              writePose(&$0, x: agent.east, y: agent.north, z: 0.75, yaw: yaw)
            }
            cube.protoMessage(2) { writeVector(&$0, 4.5, 1.8, 1.5) }
            cube.protoMessage(3) { writeColor(&$0, r, g, b, 0.9) }
          }
        }
        entity.protoMessage(10) { cylinder in  // cylinders
          let (major, minor, angle) = agent.positionEllipse ?? (0, 0, 0)
          if agent.kind == .vehicle {
            cylinder.protoMessage(1) {
              writePose(&$0, x: agent.east, y: agent.north, z: 0.02, yaw: angle)
            }
            cylinder.protoMessage(2) { writeVector(&$0, 4 * major, 4 * minor, 0.04) }
          } else {
            cylinder.protoMessage(1) {
              writePose(&$0, x: agent.east, y: agent.north, z: 0.9, yaw: angle)
            }
            cylinder.protoMessage(2) {
              writeVector(&$0, max(0.6, 4 * major), max(0.6, 4 * minor), 1.8)
            }
          }
          cylinder.protoDouble(3, 1)
          cylinder.protoDouble(4, 1)
          cylinder.protoMessage(5) { writeColor(&$0, r, g, b, 0.35) }
        }
      }
    }
  }

  /// The ego's WGS-84 position as a `foxglove.LocationFix`, for the map panel. False (nothing
  /// written) when the frame has no geodetic ego.
  @discardableResult
  public static func locationFix(_ frame: GridFrame, into buffer: inout [UInt8]) -> Bool {
    buffer.removeAll(keepingCapacity: true)
    guard let ego = frame.egoWGS84 else { return false }
    buffer.protoDouble(1, ego.latitudeDegrees)
    buffer.protoDouble(2, ego.longitudeDegrees)
    buffer.protoDouble(3, ego.heightMeters)
    buffer.protoMessage(6) { writeTimestamp(&$0, frame.referenceTimeNanoseconds) }
    buffer.protoString(7, frame.frameID)
    return true
  }

  static func entityHeader(
    _ entity: inout [UInt8], _ frame: GridFrame, id: StaticString, number: UInt32?
  ) {
    entity.protoMessage(1) { writeTimestamp(&$0, frame.referenceTimeNanoseconds) }
    entity.protoString(2, frame.frameID)
    // The id ("agent-1234") is written without making a String; a string field has the same
    // wire form as a nested message.
    entity.protoMessage(3) { text in
      text.append(
        contentsOf: UnsafeRawBufferPointer(start: id.utf8Start, count: id.utf8CodeUnitCount))
      if let number { text.appendDecimal(UInt64(number)) }
    }
  }

  static func color(_ consistency: AgentsFrame.Agent.Consistency) -> (Double, Double, Double) {
    switch consistency {
    case .confirmed: (0.1, 0.75, 0.2)
    case .occluded: (1.0, 0.6, 0.0)
    case .contradicted: (0.9, 0.1, 0.1)
    case .notPainted: (0.5, 0.5, 0.5)
    }
  }

  static func writeTimestamp(_ timestamp: inout [UInt8], _ nanoseconds: Int64) {
    var seconds = nanoseconds / 1_000_000_000
    var remainder = nanoseconds % 1_000_000_000
    if remainder < 0 {
      seconds -= 1
      remainder += 1_000_000_000
    }
    timestamp.protoInt(1, seconds)
    timestamp.protoInt(2, remainder)
  }

  static func writePose(_ pose: inout [UInt8], x: Double, y: Double, z: Double, yaw: Double) {
    pose.protoMessage(1) { writeVector(&$0, x, y, z) }
    pose.protoMessage(2) { orientation in
      orientation.protoDouble(3, sin(yaw / 2))
      orientation.protoDouble(4, cos(yaw / 2))
    }
  }

  static func writeVector(_ vector: inout [UInt8], _ x: Double, _ y: Double, _ z: Double) {
    vector.protoDouble(1, x)
    vector.protoDouble(2, y)
    vector.protoDouble(3, z)
  }

  static func writeColor(_ color: inout [UInt8], _ r: Double, _ g: Double, _ b: Double, _ a: Double)
  {
    color.protoDouble(1, r)
    color.protoDouble(2, g)
    color.protoDouble(3, b)
    color.protoDouble(4, a)
  }
}

extension [UInt8] {
  mutating func protoFixed32(_ field: UInt32, _ value: UInt32) {
    guard value != 0 else { return }
    protoTag(field, 5)
    littleEndian(value)
  }

  mutating func appendDecimal(_ value: UInt64) {
    var divisor: UInt64 = 1
    while value / divisor >= 10 { divisor *= 10 }
    while divisor > 0 {
      append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
      divisor /= 10
    }
  }
}
