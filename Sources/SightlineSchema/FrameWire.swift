import SightlineProto
import SwiftProtobuf

// Frames to and from the wire. Encoding writes protobuf directly (no allocation once the
// buffer has grown); decoding goes through protoc's generated code, the schema's reference.

extension GridFrame {
  /// Encodes `grid\0` + FusedFrame into `buffer`, reusing its capacity. With a `deflater`, the
  /// layers are zlib streams (layer_encoding ZLIB).
  public func encode(into buffer: inout [UInt8], deflater: ZlibDeflater? = nil) {
    buffer.removeAll(keepingCapacity: true)
    buffer.append(contentsOf: Topic.grid.prefix)
    buffer.protoMessage(1) { writeHeader(into: &$0) }
    buffer.protoMessage(2) { layout in
      layout.protoUInt(1, UInt64(columns))
      layout.protoUInt(2, UInt64(rows))
      layout.protoDouble(3, Double(resolution))
      layout.protoUInt(4, UInt64(columns))
      layout.protoUInt(5, 1)
      layout.protoMessage(6) { writePose(&$0, east: cornerEast, north: cornerNorth, yaw: 0) }
    }
    buffer.protoMessage(3) { budget in
      budget.protoUInt(1, UInt64(degradation))
      budget.protoBool(2, flags.contains(.degraded))
      budget.protoUInt(3, UInt64(budgetNanoseconds))
      budget.protoUInt(4, UInt64(v2xAndDecayNanoseconds))
      budget.protoUInt(5, UInt64(lidarNanoseconds))
      budget.protoUInt(6, UInt64(outputNanoseconds))
      budget.protoUInt(7, UInt64(processingNanoseconds))
      budget.protoUInt(8, UInt64(pointsUsed))
      budget.protoUInt(9, UInt64(pointsSkipped))
      budget.protoFloat(10, freeSpaceReachMeters)
      budget.protoUInt(11, UInt64(workUnits))
    }
    buffer.protoMessage(4) { counts in
      counts.protoUInt(1, UInt64(occupiedCells))
      counts.protoUInt(2, UInt64(freeCells))
      counts.protoUInt(3, UInt64(unknownCells))
    }
    buffer.protoMessage(5) { summary in
      summary.protoUInt(1, UInt64(agentsPainted))
      summary.protoUInt(2, UInt64(agentsConfirmed))
      summary.protoUInt(3, UInt64(agentsOccluded))
      summary.protoUInt(4, UInt64(agentsContradicted))
      summary.protoUInt(5, UInt64(agentsNotPainted))
      summary.protoUInt(6, UInt64(quarantinedSenders))
      summary.protoUInt(7, UInt64(agentsSkippedForBudget))
    }
    for agent in agents {
      buffer.protoMessage(6) { agent.write(into: &$0) }
    }
    buffer.protoMessage(7) { counters.write(into: &$0) }
    for sensor in sensors {
      buffer.protoMessage(13) { sensor.write(into: &$0) }
    }
    func layer(_ field: UInt32, _ bytes: UnsafeRawBufferPointer) {
      guard let deflater, !bytes.isEmpty else { return buffer.protoBytes(field, bytes) }
      buffer.protoMessage(field) { deflater.compress(bytes, appendingTo: &$0) }
    }
    cells.withUnsafeBytes { layer(8, $0) }
    v2xCells.withUnsafeBytes { layer(9, $0) }
    // Int16 cells are little-endian on every platform we build for.
    logOddsCells.withUnsafeBytes { layer(10, $0) }
    sourceCells.withUnsafeBytes { layer(11, $0) }
    if deflater != nil { buffer.protoUInt(12, 1) }
  }

  /// Encodes `agents\0` + AgentsFrame (the same header, the agents alone) into `buffer`.
  public func encodeAgents(into buffer: inout [UInt8]) {
    buffer.removeAll(keepingCapacity: true)
    buffer.append(contentsOf: Topic.agents.prefix)
    buffer.protoMessage(1) { writeHeader(into: &$0) }
    for agent in agents {
      buffer.protoMessage(2) { agent.write(into: &$0) }
    }
  }

  func writeHeader(into header: inout [UInt8]) {
    header.protoUInt(1, sequence)
    header.protoInt(2, sensorTimeNanoseconds)
    header.protoInt(3, referenceTimeNanoseconds)
    header.protoInt(4, publishTimeNanoseconds)
    header.protoString(5, frameID)
    header.protoBool(6, flags.contains(.deterministic))
    header.protoBool(7, flags.contains(.partialSweep))
    header.protoBool(8, flags.contains(.egoKnown))
    header.protoBool(9, flags.contains(.gridReset))
    header.protoMessage(10) { writePose(&$0, east: egoEast, north: egoNorth, yaw: Double(egoYaw)) }
    if let egoWGS84 { header.protoMessage(11) { egoWGS84.write(into: &$0) } }
    if let enuOrigin { header.protoMessage(12) { enuOrigin.write(into: &$0) } }
    header.protoUInt(13, UInt64(azimuthCoverageCentidegrees))
    header.protoUInt(14, UInt64(pointsInSweep))
    header.protoUInt(15, flags.contains(.lidarAbsent) ? 1 : 0)
    header.protoInt(16, lidarSilentNanoseconds)
  }

  /// Decodes a `grid` message (topic prefix included).
  public static func decode(_ message: [UInt8]) throws(SchemaError) -> GridFrame {
    let proto: Sightline_V1_FusedFrame = try decodeBody(message, topic: .grid)
    var frame = GridFrame()
    frame.read(header: proto.header)
    frame.columns = proto.layout.columnCount
    frame.rows = proto.layout.rowCount
    frame.resolution = Float(proto.layout.cellSizeM)
    frame.cornerEast = proto.layout.origin.eastM
    frame.cornerNorth = proto.layout.origin.northM
    let budget = proto.budget
    frame.degradation = UInt8(clamping: budget.degradation.rawValue)
    if budget.degraded { frame.flags.insert(.degraded) }
    frame.budgetNanoseconds = budget.budgetNs
    frame.v2xAndDecayNanoseconds = budget.stageV2XDecayNs
    frame.lidarNanoseconds = budget.stageLidarNs
    frame.outputNanoseconds = budget.stageOutputNs
    frame.processingNanoseconds = budget.processingNs
    frame.pointsUsed = budget.pointsUsed
    frame.pointsSkipped = budget.pointsSkipped
    frame.freeSpaceReachMeters = budget.freeSpaceReachM
    frame.workUnits = budget.workUnits
    frame.occupiedCells = proto.cellCounts.occupied
    frame.freeCells = proto.cellCounts.free
    frame.unknownCells = proto.cellCounts.unknown
    let summary = proto.agentSummary
    frame.agentsPainted = UInt16(clamping: summary.painted)
    frame.agentsConfirmed = UInt16(clamping: summary.confirmed)
    frame.agentsOccluded = UInt16(clamping: summary.occluded)
    frame.agentsContradicted = UInt16(clamping: summary.contradicted)
    frame.agentsNotPainted = summary.notPainted
    frame.quarantinedSenders = summary.quarantinedSenders
    frame.agentsSkippedForBudget = summary.skippedForBudget
    frame.agents = proto.agents.map(AgentsFrame.Agent.init)
    frame.counters = RunCounters(proto.counters)
    frame.sensors = proto.sensors.map(FrameSensor.init)
    let cellCount = Int(frame.columns) * Int(frame.rows)
    let zlib = proto.layerEncoding == .zlib
    guard zlib || proto.layerEncoding == .raw else {
      throw .malformed("unknown layer_encoding \(proto.layerEncoding.rawValue)")
    }
    func layer(_ name: String, _ stored: [UInt8], bytesPerCell: Int = 1, optional: Bool = true)
      throws(SchemaError) -> [UInt8]
    {
      if optional && stored.isEmpty { return [] }
      var bytes = stored
      if zlib {
        guard let inflated = inflateLayer(stored, expectedSize: cellCount * bytesPerCell) else {
          throw .malformed(
            "layer \(name) is not a zlib stream of \(cellCount * bytesPerCell) bytes")
        }
        bytes = inflated
      }
      guard bytes.count == cellCount * bytesPerCell else {
        throw .cellCountMismatch(layer: name, expected: cellCount * bytesPerCell, got: bytes.count)
      }
      return bytes
    }
    frame.cells = try layer("occupancy", Array(proto.occupancy), optional: false).map {
      Int8(bitPattern: $0)
    }
    frame.v2xCells = try layer("v2x", Array(proto.v2X)).map { Int8(bitPattern: $0) }
    let logOdds = try layer("log_odds", Array(proto.logOdds), bytesPerCell: 2)
    frame.logOddsCells = stride(from: 0, to: logOdds.count, by: 2).map {
      Int16(bitPattern: UInt16(logOdds[$0]) | UInt16(logOdds[$0 + 1]) << 8)
    }
    frame.sourceCells = try layer("source", Array(proto.source))
    return frame
  }

  mutating func read(header: Sightline_V1_Header) {
    sequence = header.sequence
    sensorTimeNanoseconds = header.sensorTimeNs
    referenceTimeNanoseconds = header.referenceTimeNs
    publishTimeNanoseconds = header.publishTimeNs
    if header.deterministic { flags.insert(.deterministic) }
    if header.partialSweep { flags.insert(.partialSweep) }
    if header.egoKnown { flags.insert(.egoKnown) }
    if header.gridReset { flags.insert(.gridReset) }
    egoEast = header.ego.eastM
    egoNorth = header.ego.northM
    egoYaw = Float(header.ego.yawRad)
    egoWGS84 = header.hasEgoWgs84 ? GeoPosition(header.egoWgs84) : nil
    enuOrigin = header.hasEnuOrigin ? GeoPosition(header.enuOrigin) : nil
    azimuthCoverageCentidegrees = header.azimuthCoverageCdeg
    pointsInSweep = header.pointsInSweep
    if header.lidarStatus == .absent { flags.insert(.lidarAbsent) }
    lidarSilentNanoseconds = header.lidarSilentNs
  }
}

extension AgentsFrame {
  /// Decodes an `agents` message (topic prefix included).
  public static func decode(_ message: [UInt8]) throws(SchemaError) -> AgentsFrame {
    let proto: Sightline_V1_AgentsFrame = try decodeBody(message, topic: .agents)
    var frame = AgentsFrame()
    frame.sequence = proto.header.sequence
    frame.timeNanoseconds = proto.header.referenceTimeNs
    frame.egoKnown = proto.header.egoKnown
    frame.egoEast = proto.header.ego.eastM
    frame.egoNorth = proto.header.ego.northM
    frame.egoYaw = proto.header.ego.yawRad
    frame.agents = proto.agents.map(Agent.init)
    return frame
  }
}

extension AgentsFrame.Agent {
  func write(into agent: inout [UInt8]) {
    agent.protoUInt(1, UInt64(id))
    agent.protoUInt(2, UInt64(kind.rawValue))
    agent.protoUInt(3, UInt64(model.rawValue))
    agent.protoUInt(4, UInt64(consistency.rawValue))
    agent.protoDouble(5, east)
    agent.protoDouble(6, north)
    if let heading { agent.protoFloat(7, heading, present: true) }
    if let speed { agent.protoFloat(8, speed, present: true) }
    agent.protoFloat(9, covarianceEE)
    agent.protoFloat(10, covarianceEN)
    agent.protoFloat(11, covarianceNN)
    agent.protoInt(12, latencyNanoseconds)
    agent.protoInt(13, generationTimeNanoseconds)
    agent.protoFloat(14, distanceTravelled)
    agent.protoBool(15, futureDated)
  }

  init(_ proto: Sightline_V1_Agent) {
    self.init()
    id = proto.id
    kind = Kind(rawValue: UInt8(clamping: proto.kind.rawValue)) ?? .other
    model = Model(rawValue: UInt8(clamping: proto.model.rawValue)) ?? .constantPosition
    consistency = Consistency(rawValue: UInt8(clamping: proto.consistency.rawValue)) ?? .notPainted
    east = proto.eastM
    north = proto.northM
    heading = proto.hasHeadingRad ? proto.headingRad : nil
    speed = proto.hasSpeedMps ? proto.speedMps : nil
    covarianceEE = proto.covEeM2
    covarianceEN = proto.covEnM2
    covarianceNN = proto.covNnM2
    latencyNanoseconds = proto.latencyNs
    generationTimeNanoseconds = proto.generationTimeNs
    distanceTravelled = proto.distanceTravelledM
    futureDated = proto.futureDated
  }
}

extension StatsMessage {
  /// `stats\0` + Stats. Sent rarely, so it may allocate.
  public func encode() -> [UInt8] {
    var buffer = Topic.stats.prefix
    buffer.protoUInt(1, framesPublished)
    buffer.protoBool(2, endOfStream)
    buffer.protoBool(3, inputError)
    buffer.protoMessage(4) { counters.write(into: &$0) }
    buffer.protoInt(5, publishTimeNanoseconds)
    buffer.protoMessage(6) { ego.write(into: &$0) }
    for sensor in sensors {
      buffer.protoMessage(7) { sensor.write(into: &$0) }
    }
    return buffer
  }

  public static func decode(_ message: [UInt8]) throws(SchemaError) -> StatsMessage {
    let proto: Sightline_V1_Stats = try decodeBody(message, topic: .stats)
    var stats = StatsMessage()
    stats.framesPublished = proto.framesPublished
    stats.endOfStream = proto.endOfStream
    stats.inputError = proto.inputError
    stats.counters = RunCounters(proto.counters)
    stats.publishTimeNanoseconds = proto.publishTimeNs
    stats.sensors = proto.sensors.map(FrameSensor.init)
    stats.ego = EgoStatus(proto.ego)
    return stats
  }
}

extension RunCounters {
  func write(into counters: inout [UInt8]) {
    counters.protoUInt(1, lidarDatagrams)
    counters.protoUInt(2, lidarPackets)
    counters.protoUInt(3, lidarPacketsMissing)
    counters.protoUInt(4, sweepsDropped)
    counters.protoUInt(5, v2xReceived)
    counters.protoUInt(6, v2xAccepted)
    for drop in drops {
      counters.protoMessage(7) { entry in
        entry.protoString(1, drop.reason)
        entry.protoUInt(2, drop.count)
      }
    }
    counters.protoUInt(8, hostClockSteps)
    counters.protoInt(9, hostClockStepTotalNanoseconds)
    counters.protoUInt(10, configReloads)
    counters.protoUInt(11, configReloadsRejected)
    counters.protoUInt(12, framesWithoutLidar)
    counters.protoUInt(13, sendersQuarantined)
    counters.protoUInt(14, lidarClockChanges)
  }

  init(_ proto: Sightline_V1_Counters) {
    self.init()
    lidarDatagrams = proto.lidarDatagrams
    lidarPackets = proto.lidarPackets
    lidarPacketsMissing = proto.lidarPacketsMissing
    sweepsDropped = proto.sweepsDropped
    v2xReceived = proto.v2XReceived
    v2xAccepted = proto.v2XAccepted
    drops = proto.drops.map { Drop(reason: $0.reason, count: $0.count) }
    hostClockSteps = proto.hostClockSteps
    hostClockStepTotalNanoseconds = proto.hostClockStepTotalNs
    configReloads = proto.configReloads
    configReloadsRejected = proto.configReloadsRejected
    framesWithoutLidar = proto.framesWithoutLidar
    sendersQuarantined = proto.sendersQuarantined
    lidarClockChanges = proto.lidarClockChanges
  }
}

extension GeoPosition {
  func write(into position: inout [UInt8]) {
    position.protoDouble(1, latitudeDegrees)
    position.protoDouble(2, longitudeDegrees)
    position.protoDouble(3, heightMeters)
  }

  init(_ proto: Sightline_V1_GeoPosition) {
    self.init(
      latitudeDegrees: proto.latitudeDeg, longitudeDegrees: proto.longitudeDeg,
      heightMeters: proto.heightM)
  }
}

func writePose(_ pose: inout [UInt8], east: Double, north: Double, yaw: Double) {
  pose.protoDouble(1, east)
  pose.protoDouble(2, north)
  pose.protoDouble(4, yaw)
}

/// The protobuf body of a message on `topic`, decoded by the generated code.
func decodeBody<Message: SwiftProtobuf.Message>(_ message: [UInt8], topic: Topic)
  throws(SchemaError) -> Message
{
  let prefix = topic.prefix
  guard message.starts(with: prefix) else { throw .wrongTopic }
  do {
    return try Message(serializedBytes: Array(message[prefix.count...]))
  } catch {
    throw .malformed(String(describing: error))
  }
}
