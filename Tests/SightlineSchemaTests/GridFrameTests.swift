import Foundation
import SightlineProto
import SightlineSchema
import SwiftProtobuf
import Testing

/// A frame with every field set to something non-default, and fields that must keep presence.
func sampleFrame(drops: Int = 3) -> GridFrame {
  var frame = GridFrame()
  frame.sequence = 42
  frame.flags = [.partialSweep, .egoKnown, .degraded]
  frame.sensorTimeNanoseconds = 1_453_364_282_406_951_000
  frame.referenceTimeNanoseconds = 1_453_364_282_506_951_000
  frame.publishTimeNanoseconds = -5
  frame.azimuthCoverageCentidegrees = 24279
  frame.pointsInSweep = 14642
  frame.pointsUsed = 14370
  frame.processingNanoseconds = 1_234_567
  frame.columns = 3
  frame.rows = 2
  frame.resolution = 0.25
  frame.occupiedCells = 1
  frame.freeCells = 2
  frame.unknownCells = 3
  frame.cornerEast = 1234.5
  frame.cornerNorth = -0.0  // written: proto3 keeps -0.0 (its bit pattern is not 0)
  frame.egoEast = 1234.875
  frame.egoNorth = -0.25
  frame.egoYaw = 1.5
  frame.egoWGS84 = GeoPosition(latitudeDegrees: 40.4, longitudeDegrees: -3.7, heightMeters: 650)
  frame.enuOrigin = GeoPosition(latitudeDegrees: 40.39, longitudeDegrees: -3.71, heightMeters: 0)
  frame.budgetNanoseconds = 10_000_000
  frame.v2xAndDecayNanoseconds = 100
  frame.lidarNanoseconds = 200
  frame.outputNanoseconds = 300
  frame.pointsSkipped = 17
  frame.degradation = 1
  frame.freeSpaceReachMeters = 12.75
  frame.agentsPainted = 3
  frame.agentsConfirmed = 1
  frame.agentsOccluded = 0
  frame.agentsContradicted = 2
  frame.agentsNotPainted = 4
  frame.quarantinedSenders = 2
  frame.flags.insert(.lidarAbsent)
  frame.lidarSilentNanoseconds = 5_250_000_000
  frame.workUnits = 99
  var vehicle = AgentsFrame.Agent()
  vehicle.id = 0x3132_5442
  vehicle.kind = .vehicle
  vehicle.model = .ctra
  vehicle.consistency = .contradicted
  vehicle.east = 1234.5
  vehicle.north = -987.25
  vehicle.heading = 0  // known, and 0: must survive as present
  vehicle.speed = 22.9
  vehicle.covarianceEE = 4
  vehicle.covarianceEN = -0.5
  vehicle.covarianceNN = 9
  vehicle.latencyNanoseconds = 120_000_000
  vehicle.generationTimeNanoseconds = 1_453_364_282_286_951_000
  vehicle.distanceTravelled = 2.75
  vehicle.futureDated = true
  var pedestrian = AgentsFrame.Agent()
  pedestrian.kind = .pedestrian
  frame.agents = [vehicle, pedestrian]
  frame.counters.lidarDatagrams = 350
  frame.counters.lidarPackets = 293
  frame.counters.lidarPacketsMissing = 2
  frame.counters.sweepsDropped = 1
  frame.counters.v2xReceived = 35
  frame.counters.v2xAccepted = 34
  frame.counters.hostClockSteps = 1
  frame.counters.hostClockStepTotalNanoseconds = -10_000_000_000
  frame.counters.configReloads = 2
  frame.counters.configReloadsRejected = 3
  frame.counters.framesWithoutLidar = 21
  frame.counters.sendersQuarantined = 4
  frame.counters.lidarClockChanges = 2
  frame.counters.drops = (0..<drops).map {
    RunCounters.Drop(reason: "reason.\($0)", count: UInt64($0 + 1))
  }
  frame.cells = [-1, 0, 100, -1, 40, -1]
  frame.v2xCells = [-1, -1, 90, 55, -1, -1]
  frame.logOddsCells = [Int16.min, -400, 3500, Int16.min, -200, 850]
  frame.sourceCells = [0, 1, 5, 2, 1, 0]
  return frame
}

/// The same frame built with protoc's generated code: the schema's reference encoder.
func referenceMessage(_ frame: GridFrame) -> Sightline_V1_FusedFrame {
  var proto = Sightline_V1_FusedFrame()
  proto.header = referenceHeader(frame)
  proto.layout = .with {
    $0.columnCount = frame.columns
    $0.rowCount = frame.rows
    $0.cellSizeM = Double(frame.resolution)
    $0.rowStride = frame.columns
    $0.cellStride = 1
    $0.origin = .with {
      $0.eastM = frame.cornerEast
      $0.northM = frame.cornerNorth
    }
  }
  proto.budget = .with {
    $0.degradation = .init(rawValue: Int(frame.degradation))!
    $0.degraded = frame.flags.contains(.degraded)
    $0.budgetNs = frame.budgetNanoseconds
    $0.stageV2XDecayNs = frame.v2xAndDecayNanoseconds
    $0.stageLidarNs = frame.lidarNanoseconds
    $0.stageOutputNs = frame.outputNanoseconds
    $0.processingNs = frame.processingNanoseconds
    $0.pointsUsed = frame.pointsUsed
    $0.pointsSkipped = frame.pointsSkipped
    $0.freeSpaceReachM = frame.freeSpaceReachMeters
    $0.workUnits = frame.workUnits
  }
  proto.cellCounts = .with {
    $0.occupied = frame.occupiedCells
    $0.free = frame.freeCells
    $0.unknown = frame.unknownCells
  }
  proto.agentSummary = .with {
    $0.painted = UInt32(frame.agentsPainted)
    $0.confirmed = UInt32(frame.agentsConfirmed)
    $0.occluded = UInt32(frame.agentsOccluded)
    $0.contradicted = UInt32(frame.agentsContradicted)
    $0.notPainted = frame.agentsNotPainted
    $0.quarantinedSenders = frame.quarantinedSenders
  }
  proto.agents = frame.agents.map(referenceAgent)
  proto.counters = .with {
    $0.lidarDatagrams = frame.counters.lidarDatagrams
    $0.lidarPackets = frame.counters.lidarPackets
    $0.lidarPacketsMissing = frame.counters.lidarPacketsMissing
    $0.sweepsDropped = frame.counters.sweepsDropped
    $0.v2XReceived = frame.counters.v2xReceived
    $0.v2XAccepted = frame.counters.v2xAccepted
    $0.drops = frame.counters.drops.map { drop in
      .with {
        $0.reason = drop.reason
        $0.count = drop.count
      }
    }
    $0.hostClockSteps = frame.counters.hostClockSteps
    $0.hostClockStepTotalNs = frame.counters.hostClockStepTotalNanoseconds
    $0.configReloads = frame.counters.configReloads
    $0.configReloadsRejected = frame.counters.configReloadsRejected
    $0.framesWithoutLidar = frame.counters.framesWithoutLidar
    $0.sendersQuarantined = frame.counters.sendersQuarantined
    $0.lidarClockChanges = frame.counters.lidarClockChanges
  }
  proto.occupancy = Data(frame.cells.map { UInt8(bitPattern: $0) })
  proto.v2X = Data(frame.v2xCells.map { UInt8(bitPattern: $0) })
  proto.logOdds = Data(frame.logOddsCells.flatMap { [UInt8($0 & 0xFF), UInt8(($0 >> 8) & 0xFF)] })
  proto.source = Data(frame.sourceCells)
  return proto
}

func referenceHeader(_ frame: GridFrame) -> Sightline_V1_Header {
  .with { header in
    header.sequence = frame.sequence
    header.sensorTimeNs = frame.sensorTimeNanoseconds
    header.referenceTimeNs = frame.referenceTimeNanoseconds
    header.publishTimeNs = frame.publishTimeNanoseconds
    header.frameID = frame.flags.contains(.egoKnown) ? "enu" : "sensor"
    header.deterministic = frame.flags.contains(.deterministic)
    header.partialSweep = frame.flags.contains(.partialSweep)
    header.egoKnown = frame.flags.contains(.egoKnown)
    header.gridReset = frame.flags.contains(.gridReset)
    header.ego = .with {
      $0.eastM = frame.egoEast
      $0.northM = frame.egoNorth
      $0.yawRad = Double(frame.egoYaw)
    }
    if let ego = frame.egoWGS84 { header.egoWgs84 = referenceGeo(ego) }
    if let origin = frame.enuOrigin { header.enuOrigin = referenceGeo(origin) }
    header.azimuthCoverageCdeg = frame.azimuthCoverageCentidegrees
    header.pointsInSweep = frame.pointsInSweep
    header.lidarStatus = frame.flags.contains(.lidarAbsent) ? .absent : .ok
    header.lidarSilentNs = frame.lidarSilentNanoseconds
  }
}

func referenceGeo(_ position: GeoPosition) -> Sightline_V1_GeoPosition {
  .with {
    $0.latitudeDeg = position.latitudeDegrees
    $0.longitudeDeg = position.longitudeDegrees
    $0.heightM = position.heightMeters
  }
}

func referenceAgent(_ agent: AgentsFrame.Agent) -> Sightline_V1_Agent {
  .with {
    $0.id = agent.id
    $0.kind = .init(rawValue: Int(agent.kind.rawValue))!
    $0.model = .init(rawValue: Int(agent.model.rawValue))!
    $0.consistency = .init(rawValue: Int(agent.consistency.rawValue))!
    $0.eastM = agent.east
    $0.northM = agent.north
    if let heading = agent.heading { $0.headingRad = heading }
    if let speed = agent.speed { $0.speedMps = speed }
    $0.covEeM2 = agent.covarianceEE
    $0.covEnM2 = agent.covarianceEN
    $0.covNnM2 = agent.covarianceNN
    $0.latencyNs = agent.latencyNanoseconds
    $0.generationTimeNs = agent.generationTimeNanoseconds
    $0.distanceTravelledM = agent.distanceTravelled
    $0.futureDated = agent.futureDated
  }
}

@Suite struct GridFrameTests {
  @Test(arguments: [0, 3, 2000])
  func encodesTheSameBytesAsTheGeneratedCode(drops: Int) throws {
    // 2000 drop reasons make the counters message longer than 16 KiB: a 3-byte length prefix.
    let frame = sampleFrame(drops: drops)
    var bytes = [UInt8]()
    frame.encode(into: &bytes)
    let reference: [UInt8] = try referenceMessage(frame).serializedBytes()
    #expect(Array(bytes.prefix(5)) == Array("grid\0".utf8))
    #expect(Array(bytes.dropFirst(5)) == reference)
  }

  @Test func roundTrips() throws {
    var bytes = [UInt8]()
    let frame = sampleFrame()
    frame.encode(into: &bytes)
    let decoded = try GridFrame.decode(bytes)
    #expect(decoded == frame)
    #expect(decoded.agents[0].heading == 0 && decoded.agents[1].heading == nil)
    #expect(decoded.frameID == "enu")
    #expect(decoded.originX == frame.cornerEast - frame.egoEast)
  }

  @Test func zlibLayersRoundTripAndShrink() throws {
    var frame = sampleFrame()
    frame.columns = 300
    frame.rows = 200
    frame.cells = (0..<60_000).map { $0 % 997 < 900 ? -1 : Int8($0 % 101) }
    frame.v2xCells = [Int8](repeating: -1, count: 60_000)
    frame.logOddsCells = frame.cells.map { $0 < 0 ? .min : Int16($0) * 10 }
    frame.sourceCells = frame.cells.map { $0 < 0 ? 0 : 1 }
    let deflater = ZlibDeflater()
    var compressed = [UInt8]()
    frame.encode(into: &compressed, deflater: deflater)
    var raw = [UInt8]()
    frame.encode(into: &raw)
    #expect(compressed.count * 4 < raw.count)
    #expect(try GridFrame.decode(compressed) == frame)
    // The generated code sees the encoding flag and zlib streams (RFC 1950: 0x78 first).
    let proto = try Sightline_V1_FusedFrame(serializedBytes: Array(compressed.dropFirst(5)))
    #expect(proto.layerEncoding == .zlib && proto.occupancy.first == 0x78)
    // The same deflater again gives the same bytes: replays stay bit-identical.
    var again = [UInt8]()
    frame.encode(into: &again, deflater: deflater)
    #expect(again == compressed)
    // A damaged stream is an error, not a wrong grid.
    var damaged = try Sightline_V1_FusedFrame(serializedBytes: Array(compressed.dropFirst(5)))
    damaged.occupancy[damaged.occupancy.count / 2] ^= 0xFF
    let bytes: [UInt8] = try damaged.serializedBytes()
    #expect(throws: SchemaError.self) { try GridFrame.decode(Array("grid\0".utf8) + bytes) }
  }

  @Test func agentsMessageCarriesTheHeaderAndAgents() throws {
    let frame = sampleFrame()
    var bytes = [UInt8]()
    frame.encodeAgents(into: &bytes)
    #expect(topic(of: bytes) == .agents)
    let reference: [UInt8] = try Sightline_V1_AgentsFrame.with {
      $0.header = referenceHeader(frame)
      $0.agents = frame.agents.map(referenceAgent)
    }.serializedBytes()
    #expect(Array(bytes.dropFirst(7)) == reference)
    let decoded = try AgentsFrame.decode(bytes)
    #expect(decoded.sequence == 42 && decoded.egoKnown && decoded.agents == frame.agents)
    #expect(decoded.timeNanoseconds == frame.referenceTimeNanoseconds)
  }

  @Test func rejectsDamagedMessages() {
    var bytes = [UInt8]()
    sampleFrame().encode(into: &bytes)
    // Cut inside the last layer: protobuf sees a length that runs past the end.
    #expect(throws: SchemaError.self) { try GridFrame.decode(Array(bytes.dropLast(2))) }
    #expect(throws: SchemaError.wrongTopic) { try GridFrame.decode(Array("stats\0".utf8) + bytes) }
    #expect(throws: SchemaError.self) { try GridFrame.decode(Array("grid\0".utf8) + [0xFF, 0xFF]) }
    // A layer whose size does not fit the declared layout.
    var frame = sampleFrame()
    frame.v2xCells.removeLast()
    frame.encode(into: &bytes)
    #expect(throws: SchemaError.cellCountMismatch(layer: "v2x", expected: 6, got: 5)) {
      try GridFrame.decode(bytes)
    }
  }

  @Test func everyTruncationIsAnErrorOrAShorterValidFrame() {
    var bytes = [UInt8]()
    sampleFrame().encode(into: &bytes)
    for length in 5..<bytes.count {
      // Protobuf can end cleanly between fields; then the layers decide.
      if let frame = try? GridFrame.decode(Array(bytes.prefix(length))) {
        #expect(frame.cells.count == Int(frame.columns * frame.rows))
      }
    }
  }

  @Test func topicPrefixesDoNotShadowEachOther() {
    #expect(topic(of: Array("grid\0xyz".utf8)) == .grid)
    #expect(topic(of: Array("gridx".utf8)) == nil)
    #expect(topic(of: StatsMessage().encode()) == .stats)
  }

  @Test func statsRoundTrip() throws {
    var stats = StatsMessage()
    stats.framesPublished = 5
    stats.endOfStream = true
    stats.inputError = true
    stats.counters = sampleFrame().counters
    stats.publishTimeNanoseconds = 77
    stats.ego.source = .localization
    stats.ego.poseAgeNanoseconds = 0
    stats.ego.stale = false
    stats.ego.poses = 12
    let bytes = stats.encode()
    #expect(try StatsMessage.decode(bytes) == stats)
    let reference: [UInt8] = try Sightline_V1_Stats.with {
      $0.framesPublished = 5
      $0.endOfStream = true
      $0.inputError = true
      $0.counters = referenceMessage(sampleFrame()).counters
      $0.publishTimeNs = 77
      $0.ego.source = .localization
      $0.ego.poseAgeNs = 0
      $0.ego.poses = 12
    }.serializedBytes()
    #expect(Array(bytes.dropFirst(6)) == reference)
  }
}
