// SightlineSchema: the bytes that travel between the runtime and its subscribers. Pure.
// Every message is one ZeroMQ frame: a topic prefix, then a little-endian body whose layout is
// documented field by field in docs/SCHEMA.md. [F] replaces it with the protobuf FusedFrame.

/// Topics are single-frame prefixes, so that CONFLATE ("latest only") subscribers work.
public enum Topic: String, Sendable, CaseIterable {
  case grid
  case agents
  case stats

  /// The subscription prefix: the topic name and a NUL, so "grid" never matches "gridx".
  /// Made once: encoding a frame must not allocate.
  public var prefix: [UInt8] {
    switch self {
    case .grid: Self.prefixes[0]
    case .agents: Self.prefixes[1]
    case .stats: Self.prefixes[2]
    }
  }
  static let prefixes: [[UInt8]] = [grid, agents, stats].map { Array($0.rawValue.utf8) + [0] }
}

public enum SchemaError: Error, Equatable, CustomStringConvertible {
  case wrongTopic
  case tooShort(needed: Int, got: Int)
  case badMagic
  case unsupportedVersion(UInt16)
  case cellCountMismatch(expected: Int, got: Int)

  public var description: String {
    switch self {
    case .wrongTopic: "message does not start with a known topic prefix"
    case .tooShort(let needed, let got): "message too short: needs \(needed) bytes, has \(got)"
    case .badMagic: "bad magic number"
    case .unsupportedVersion(let v): "unsupported schema version \(v)"
    case .cellCountMismatch(let e, let g): "grid declares \(e) cells but carries \(g)"
    }
  }
}

/// One published grid frame: the summary of a sweep, the budget report, and the fused grid and
/// V2X layers as int8 cells. Layout: docs/SCHEMA.md.
public struct GridFrame: Sendable, Equatable {
  public static let magic: UInt32 = 0x4647_4C53  // "SLGF" on the wire
  public static let version: UInt16 = 2
  public static let headerSize = 160

  public struct Flags: OptionSet, Sendable, Equatable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// The sweep did not cover a whole revolution from cut to cut.
    public static let partialSweep = Flags(rawValue: 1 << 0)
    /// The budget did not allow all the work: see degradation, points skipped, reach.
    public static let degraded = Flags(rawValue: 1 << 1)
    /// Made under a work budget: timings are 0 and publish time is the replay's clock, so the
    /// bytes are the same on every run and machine.
    public static let deterministic = Flags(rawValue: 1 << 2)
    /// The ego pose is known: the grid is in the drive's ENU plane. Otherwise the sensor frame.
    public static let egoKnown = Flags(rawValue: 1 << 3)
    /// The grid was cleared this frame (the ego pose jumped).
    public static let gridReset = Flags(rawValue: 1 << 4)
  }

  public var sequence: UInt64 = 0
  public var flags: Flags = []
  /// UTC nanoseconds of the sweep's first firing.
  public var sensorTimeNanoseconds: Int64 = 0
  /// UTC nanoseconds (host clock) when the frame was published.
  public var publishTimeNanoseconds: Int64 = 0
  public var azimuthCoverageCentidegrees: UInt32 = 0
  public var pointsInSweep: UInt32 = 0
  public var pointsUsed: UInt32 = 0
  public var processingNanoseconds: UInt32 = 0
  public var columns: UInt32 = 0
  public var rows: UInt32 = 0
  public var resolution: Float = 0
  /// Position of the corner of cell (0, 0) relative to the sensor, metres, grid axes.
  public var originX: Float = 0
  public var originY: Float = 0
  /// Counts of the fused cells: > 50 occupied, 0...50 free, −1 unknown.
  public var occupiedCells: UInt32 = 0
  public var freeCells: UInt32 = 0
  public var unknownCells: UInt32 = 0
  /// The corner of cell (0, 0) and the ego, in the drive's ENU plane (metres), and the ego yaw.
  public var cornerEast: Double = 0
  public var cornerNorth: Double = 0
  public var egoEast: Double = 0
  public var egoNorth: Double = 0
  public var egoYaw: Float = 0
  /// The budget report.
  public var budgetNanoseconds: UInt32 = 0
  public var v2xAndDecayNanoseconds: UInt32 = 0
  public var lidarNanoseconds: UInt32 = 0
  public var outputNanoseconds: UInt32 = 0
  public var pointsSkipped: UInt32 = 0
  /// Free space is complete out to this distance; infinity when complete.
  public var freeSpaceReachMeters: Float = .infinity
  /// 0 none, 1 free space truncated, 2 endpoints only, 3 points skipped, 4 LiDAR skipped.
  public var degradation: UInt8 = 0
  public var agentsPainted: UInt16 = 0
  public var agentsConfirmed: UInt16 = 0
  public var agentsOccluded: UInt16 = 0
  public var agentsContradicted: UInt16 = 0
  /// Work units (points and cells) the frame used.
  public var workUnits: UInt32 = 0
  /// The fused grid, nav_msgs semantics: row-major from cell (0, 0), −1 unknown, 0...50 free,
  /// 51...100 occupied.
  public var cells: [Int8] = []
  /// The V2X layer: probability (percent) that an agent occupies the cell, −1 where none
  /// reaches. Empty when not published.
  public var v2xCells: [Int8] = []

  public init() {}

  public var encodedSize: Int {
    Topic.grid.prefix.count + Self.headerSize + cells.count + 4 + v2xCells.count
  }

  /// Encodes into `buffer`, reusing its capacity; the result is the whole ZeroMQ message.
  public func encode(into buffer: inout [UInt8]) {
    buffer.removeAll(keepingCapacity: true)
    buffer.append(contentsOf: Topic.grid.prefix)
    buffer.put(Self.magic)
    buffer.put(Self.version)
    buffer.put(flags.rawValue)
    buffer.put(sequence)
    buffer.put(sensorTimeNanoseconds)
    buffer.put(publishTimeNanoseconds)
    buffer.put(azimuthCoverageCentidegrees)
    buffer.put(pointsInSweep)
    buffer.put(pointsUsed)
    buffer.put(processingNanoseconds)
    buffer.put(columns)
    buffer.put(rows)
    buffer.put(resolution.bitPattern)
    buffer.put(originX.bitPattern)
    buffer.put(originY.bitPattern)
    buffer.put(occupiedCells)
    buffer.put(freeCells)
    buffer.put(unknownCells)
    buffer.put(cornerEast.bitPattern)
    buffer.put(cornerNorth.bitPattern)
    buffer.put(egoEast.bitPattern)
    buffer.put(egoNorth.bitPattern)
    buffer.put(egoYaw.bitPattern)
    buffer.put(budgetNanoseconds)
    buffer.put(v2xAndDecayNanoseconds)
    buffer.put(lidarNanoseconds)
    buffer.put(outputNanoseconds)
    buffer.put(pointsSkipped)
    buffer.put(freeSpaceReachMeters.bitPattern)
    buffer.append(degradation)
    buffer.append(0)
    buffer.put(agentsPainted)
    buffer.put(agentsConfirmed)
    buffer.put(agentsOccluded)
    buffer.put(agentsContradicted)
    buffer.put(UInt16(0))
    buffer.put(workUnits)
    buffer.put(UInt32(cells.count))
    cells.withUnsafeBytes { buffer.append(contentsOf: $0) }
    buffer.put(UInt32(v2xCells.count))
    v2xCells.withUnsafeBytes { buffer.append(contentsOf: $0) }
  }

  public static func decode(_ message: [UInt8]) throws(SchemaError) -> GridFrame {
    var reader = try LittleEndianReader(message: message, topic: .grid, minimumBody: headerSize)
    guard reader.uint32() == magic else { throw .badMagic }
    let version = reader.uint16()
    guard version == Self.version else { throw .unsupportedVersion(version) }
    var frame = GridFrame()
    frame.flags = Flags(rawValue: reader.uint16())
    frame.sequence = reader.uint64()
    frame.sensorTimeNanoseconds = Int64(bitPattern: reader.uint64())
    frame.publishTimeNanoseconds = Int64(bitPattern: reader.uint64())
    frame.azimuthCoverageCentidegrees = reader.uint32()
    frame.pointsInSweep = reader.uint32()
    frame.pointsUsed = reader.uint32()
    frame.processingNanoseconds = reader.uint32()
    frame.columns = reader.uint32()
    frame.rows = reader.uint32()
    frame.resolution = Float(bitPattern: reader.uint32())
    frame.originX = Float(bitPattern: reader.uint32())
    frame.originY = Float(bitPattern: reader.uint32())
    frame.occupiedCells = reader.uint32()
    frame.freeCells = reader.uint32()
    frame.unknownCells = reader.uint32()
    frame.cornerEast = Double(bitPattern: reader.uint64())
    frame.cornerNorth = Double(bitPattern: reader.uint64())
    frame.egoEast = Double(bitPattern: reader.uint64())
    frame.egoNorth = Double(bitPattern: reader.uint64())
    frame.egoYaw = Float(bitPattern: reader.uint32())
    frame.budgetNanoseconds = reader.uint32()
    frame.v2xAndDecayNanoseconds = reader.uint32()
    frame.lidarNanoseconds = reader.uint32()
    frame.outputNanoseconds = reader.uint32()
    frame.pointsSkipped = reader.uint32()
    frame.freeSpaceReachMeters = Float(bitPattern: reader.uint32())
    frame.degradation = reader.uint8()
    _ = reader.uint8()
    frame.agentsPainted = reader.uint16()
    frame.agentsConfirmed = reader.uint16()
    frame.agentsOccluded = reader.uint16()
    frame.agentsContradicted = reader.uint16()
    _ = reader.uint16()
    frame.workUnits = reader.uint32()
    let cellCount = Int(reader.uint32())
    let declared = Int(frame.columns) * Int(frame.rows)
    guard cellCount == declared else {
      throw .cellCountMismatch(expected: declared, got: cellCount)
    }
    guard reader.remaining >= cellCount + 4 else {
      throw .cellCountMismatch(expected: cellCount, got: reader.remaining)
    }
    frame.cells = reader.bytes(cellCount).map { Int8(bitPattern: $0) }
    let v2xCount = Int(reader.uint32())
    guard v2xCount == 0 || v2xCount == declared else {
      throw .cellCountMismatch(expected: declared, got: v2xCount)
    }
    guard reader.remaining == v2xCount else {
      throw .cellCountMismatch(expected: v2xCount, got: reader.remaining)
    }
    frame.v2xCells = reader.rest().map { Int8(bitPattern: $0) }
    return frame
  }
}

/// Sent once on the `stats` topic when a replay ends, so subscribers know nothing more comes.
public struct EndOfStream: Sendable, Equatable {
  public static let magic: UInt32 = 0x5345_4C53  // "SLES"
  public static let bodySize = 16
  /// Frames published before this message; a subscriber that saw fewer lost some.
  public var framesPublished: UInt64
  /// 0 when the input ended cleanly, 1 when it ended on an error (for example a truncated pcap).
  public var status: UInt32

  public init(framesPublished: UInt64, status: UInt32) {
    self.framesPublished = framesPublished
    self.status = status
  }

  public func encode() -> [UInt8] {
    var buffer = Topic.stats.prefix
    buffer.put(Self.magic)
    buffer.put(UInt32(1))
    buffer.put(framesPublished)
    buffer.put(status)
    return buffer
  }

  public static func decode(_ message: [UInt8]) throws(SchemaError) -> EndOfStream {
    var reader = try LittleEndianReader(message: message, topic: .stats, minimumBody: bodySize)
    guard reader.uint32() == magic else { throw .badMagic }
    let version = reader.uint32()
    guard version == 1 else { throw .unsupportedVersion(UInt16(truncatingIfNeeded: version)) }
    return EndOfStream(framesPublished: reader.uint64(), status: reader.uint32())
  }
}

/// Which topic a received message belongs to, from its prefix.
public func topic(of message: [UInt8]) -> Topic? {
  Topic.allCases.first { message.starts(with: $0.prefix) }
}

extension [UInt8] {
  mutating func put<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }
}

struct LittleEndianReader {
  let message: [UInt8]
  var offset: Int

  init(message: [UInt8], topic: Topic, minimumBody: Int) throws(SchemaError) {
    let prefix = topic.prefix
    guard message.starts(with: prefix) else { throw .wrongTopic }
    guard message.count >= prefix.count + minimumBody else {
      throw .tooShort(needed: prefix.count + minimumBody, got: message.count)
    }
    self.message = message
    offset = prefix.count
  }

  var remaining: Int { message.count - offset }

  mutating func read<T: FixedWidthInteger>(_: T.Type) -> T {
    var value: T = 0
    for index in 0..<MemoryLayout<T>.size {
      value |= T(message[offset + index]) << (8 * index)
    }
    offset += MemoryLayout<T>.size
    return value
  }
  mutating func uint8() -> UInt8 { read(UInt8.self) }
  mutating func uint16() -> UInt16 { read(UInt16.self) }
  mutating func uint32() -> UInt32 { read(UInt32.self) }
  mutating func uint64() -> UInt64 { read(UInt64.self) }
  mutating func rest() -> ArraySlice<UInt8> { message[offset...] }
  mutating func bytes(_ count: Int) -> ArraySlice<UInt8> {
    defer { offset += count }
    return message[offset..<(offset + count)]
  }
}
