/// The V2X agents of one frame, extrapolated to the frame's time: topic `agents`, published
/// right after the `grid` message with the same sequence number (docs/SCHEMA.md).
public struct AgentsFrame: Sendable, Equatable {
  public static let magic: UInt32 = 0x4741_4C53  // "SLAG" on the wire
  public static let version: UInt16 = 1
  public static let headerSize = 64
  public static let agentSize = 64

  public struct Agent: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
      case other = 0
      case vehicle = 1
      case pedestrian = 2
      case cyclist = 3
    }
    public enum Model: UInt8, Sendable {
      case constantPosition = 0
      case constantVelocity = 1
      case ctra = 2
    }
    public var id: UInt32 = 0
    public var kind: Kind = .other
    public var model: Model = .constantPosition
    /// bit 0 heading known, bit 1 speed known, bit 2 future-dated message, bits 3–4 the
    /// agent's consistency with LiDAR (`consistency`).
    public var flags: UInt8 = 0
    /// 0 not painted (outside the grid), 1 confirmed, 2 occluded, 3 contradicted.
    public var consistency: UInt8 { (flags >> 3) & 3 }
    /// ENU metres in the drive's local plane.
    public var east: Double = 0
    public var north: Double = 0
    /// Radians counter-clockwise from east; NaN when unknown.
    public var heading: Float = .nan
    /// m/s; NaN when unknown.
    public var speed: Float = .nan
    /// Position covariance, m².
    public var covarianceEE: Float = 0
    public var covarianceEN: Float = 0
    public var covarianceNN: Float = 0
    /// Frame time − generation time of the message the position comes from.
    public var latencyNanoseconds: Int64 = 0
    public var generationTimeNanoseconds: Int64 = 0
    public var distanceTravelled: Float = 0

    public init() {}
  }

  public var sequence: UInt64 = 0
  /// The time the agents are extrapolated to (the sweep's reference time), UTC ns.
  public var timeNanoseconds: Int64 = 0
  /// Whether an ego pose was known; if so, the ego's ENU position and yaw.
  public var egoKnown = false
  public var egoEast: Double = 0
  public var egoNorth: Double = 0
  public var egoYaw: Double = 0
  public var agents: [Agent] = []

  public init() {}

  public func encode(into buffer: inout [UInt8]) {
    buffer.removeAll(keepingCapacity: true)
    buffer.append(contentsOf: Topic.agents.prefix)
    buffer.put(Self.magic)
    buffer.put(Self.version)
    buffer.put(UInt16(egoKnown ? 1 : 0))
    buffer.put(sequence)
    buffer.put(timeNanoseconds)
    buffer.put(egoEast.bitPattern)
    buffer.put(egoNorth.bitPattern)
    buffer.put(egoYaw.bitPattern)
    buffer.put(UInt32(agents.count))
    buffer.put(UInt32(0))
    buffer.put(UInt64(0))  // reserved
    for agent in agents {
      buffer.put(agent.id)
      buffer.put(agent.kind.rawValue)
      buffer.put(agent.model.rawValue)
      buffer.put(agent.flags)
      buffer.put(UInt8(0))
      buffer.put(agent.east.bitPattern)
      buffer.put(agent.north.bitPattern)
      buffer.put(agent.heading.bitPattern)
      buffer.put(agent.speed.bitPattern)
      buffer.put(agent.covarianceEE.bitPattern)
      buffer.put(agent.covarianceEN.bitPattern)
      buffer.put(agent.covarianceNN.bitPattern)
      buffer.put(agent.latencyNanoseconds)
      buffer.put(agent.generationTimeNanoseconds)
      buffer.put(agent.distanceTravelled.bitPattern)
    }
  }

  public static func decode(_ message: [UInt8]) throws(SchemaError) -> AgentsFrame {
    var reader = try LittleEndianReader(message: message, topic: .agents, minimumBody: headerSize)
    guard reader.uint32() == magic else { throw .badMagic }
    let version = reader.uint16()
    guard version == Self.version else { throw .unsupportedVersion(version) }
    var frame = AgentsFrame()
    frame.egoKnown = reader.uint16() & 1 != 0
    frame.sequence = reader.uint64()
    frame.timeNanoseconds = Int64(bitPattern: reader.uint64())
    frame.egoEast = Double(bitPattern: reader.uint64())
    frame.egoNorth = Double(bitPattern: reader.uint64())
    frame.egoYaw = Double(bitPattern: reader.uint64())
    let count = Int(reader.uint32())
    _ = reader.uint32()
    _ = reader.uint64()
    guard reader.remaining == count * agentSize else {
      throw .cellCountMismatch(expected: count * agentSize, got: reader.remaining)
    }
    frame.agents.reserveCapacity(count)
    for _ in 0..<count {
      var agent = Agent()
      agent.id = reader.uint32()
      let kindAndModel = reader.uint32()
      agent.kind = Agent.Kind(rawValue: UInt8(kindAndModel & 0xFF)) ?? .other
      agent.model = Agent.Model(rawValue: UInt8(kindAndModel >> 8 & 0xFF)) ?? .constantPosition
      agent.flags = UInt8(kindAndModel >> 16 & 0xFF)
      agent.east = Double(bitPattern: reader.uint64())
      agent.north = Double(bitPattern: reader.uint64())
      agent.heading = Float(bitPattern: reader.uint32())
      agent.speed = Float(bitPattern: reader.uint32())
      agent.covarianceEE = Float(bitPattern: reader.uint32())
      agent.covarianceEN = Float(bitPattern: reader.uint32())
      agent.covarianceNN = Float(bitPattern: reader.uint32())
      agent.latencyNanoseconds = Int64(bitPattern: reader.uint64())
      agent.generationTimeNanoseconds = Int64(bitPattern: reader.uint64())
      agent.distanceTravelled = Float(bitPattern: reader.uint32())
      frame.agents.append(agent)
    }
    return frame
  }
}
