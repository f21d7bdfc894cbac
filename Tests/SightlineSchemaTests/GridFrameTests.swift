import SightlineSchema
import Testing

func sampleFrame() -> GridFrame {
  var frame = GridFrame()
  frame.sequence = 42
  frame.flags = .partialSweep
  frame.sensorTimeNanoseconds = 1_453_364_282_406_951_000
  frame.publishTimeNanoseconds = -5
  frame.azimuthCoverageCentidegrees = 24279
  frame.pointsInSweep = 14642
  frame.pointsUsed = 14370
  frame.processingNanoseconds = 1_234_567
  frame.columns = 3
  frame.rows = 2
  frame.resolution = 0.1
  frame.originX = -0.15
  frame.originY = -0.1
  frame.occupiedCells = 1
  frame.freeCells = 2
  frame.unknownCells = 3
  frame.cornerEast = 1234.5
  frame.egoNorth = -0.25
  frame.degradation = 1
  frame.freeSpaceReachMeters = 12.8
  frame.agentsContradicted = 2
  frame.cells = [-1, 0, 100, -1, 40, -1]
  frame.v2xCells = [-1, -1, 90, 55, -1, -1]
  return frame
}

@Suite struct GridFrameTests {
  @Test func roundTrips() throws {
    var bytes = [UInt8]()
    sampleFrame().encode(into: &bytes)
    #expect(bytes.count == sampleFrame().encodedSize)
    #expect(try GridFrame.decode(bytes) == sampleFrame())
  }

  @Test func layoutIsTheDocumentedOne() {
    var bytes = [UInt8]()
    sampleFrame().encode(into: &bytes)
    // docs/SCHEMA.md: "grid\0", magic "SLGF", version 2, flags, then sequence at body offset 8.
    #expect(Array(bytes.prefix(5)) == Array("grid\0".utf8))
    #expect(Array(bytes[5..<9]) == Array("SLGF".utf8))
    #expect(bytes[9] == 2 && bytes[10] == 0)
    #expect(bytes[11] == 1 && bytes[12] == 0)
    #expect(bytes[13] == 42)
    #expect(bytes[5 + 140] == 1)  // degradation
    #expect(bytes[5 + 148] == 2)  // agents_contradicted
    #expect(bytes[5 + 156] == 6)  // cell_count
    #expect(bytes.count == 5 + GridFrame.headerSize + 6 + 4 + 6)
    #expect(Int8(bitPattern: bytes[5 + GridFrame.headerSize + 2]) == 100)
    #expect(bytes[5 + GridFrame.headerSize + 6] == 6)  // v2x_count
    #expect(Int8(bitPattern: bytes[5 + GridFrame.headerSize + 10 + 2]) == 90)
  }

  @Test func rejectsDamagedMessages() {
    var bytes = [UInt8]()
    sampleFrame().encode(into: &bytes)
    #expect(throws: SchemaError.tooShort(needed: 5 + GridFrame.headerSize, got: 20)) {
      try GridFrame.decode(Array(bytes.prefix(20)))
    }
    #expect(throws: SchemaError.cellCountMismatch(expected: 6, got: 5)) {
      try GridFrame.decode(Array(bytes.dropLast()))
    }
    #expect(throws: SchemaError.self) {
      try GridFrame.decode(Array(bytes.dropLast(7)))  // cut inside the grid layer
    }
    var badMagic = bytes
    badMagic[6] = 0
    #expect(throws: SchemaError.badMagic) { try GridFrame.decode(badMagic) }
    var future = bytes
    future[9] = 3
    #expect(throws: SchemaError.unsupportedVersion(3)) { try GridFrame.decode(future) }
    #expect(throws: SchemaError.wrongTopic) { try GridFrame.decode(Array("stats\0".utf8) + bytes) }
  }

  @Test func topicPrefixesDoNotShadowEachOther() {
    #expect(topic(of: Array("grid\0xyz".utf8)) == .grid)
    #expect(topic(of: Array("gridx".utf8)) == nil)
    #expect(topic(of: EndOfStream(framesPublished: 1, status: 0).encode()) == .stats)
  }

  @Test func endOfStreamRoundTrips() throws {
    let end = EndOfStream(framesPublished: 5, status: 1)
    #expect(try EndOfStream.decode(end.encode()) == end)
    #expect(throws: SchemaError.self) { try EndOfStream.decode(Array(end.encode().prefix(10))) }
  }
}
