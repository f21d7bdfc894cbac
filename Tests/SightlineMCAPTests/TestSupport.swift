// Shared test helpers: a deterministic recording generator and a tiny independent record walker,
// written from the spec rather than reusing the module's parser, so the two can disagree.

import SightlineMCAP

/// SplitMix64: deterministic pseudo-random numbers, so every run tests the same files.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}

/// A recording written with MCAPWriter plus what it should contain.
struct TestRecording {
  var bytes: [UInt8]
  /// In the order they were added (= file order).
  var messages: [MCAPMessage]
  var schemas: [UInt16: MCAPSchema]
  var channels: [UInt16: MCAPChannel]
}

/// Three channels (one without schema, one with metadata), messages of 0…`maximumSize` bytes,
/// log times that sometimes go backwards. Payloads are random bytes, or with `compressible` a
/// grid-like pattern (mostly small repeating values) that zstd shrinks several times over; the
/// same arguments give the same messages whatever `compression` is.
func makeRecording(
  messageCount: Int, chunkSize: Int, maximumSize: Int = 700, seed: UInt64 = 42,
  compression: (any MCAPChunkCompressor)? = nil, compressible: Bool = false
) throws -> TestRecording {
  var writer = try MCAPWriter(
    output: MCAPMemoryOutput(), profile: "x-sightline-test", chunkSize: chunkSize,
    compression: compression)
  let poseSchema = try writer.addSchema(
    name: "sightline.Pose", encoding: "jsonschema", data: Array(#"{"type":"object"}"#.utf8))
  let gridSchema = try writer.addSchema(name: "sightline.Grid", encoding: "", data: [])
  let pose = try writer.addChannel(
    schemaID: poseSchema, topic: "/ego/pose", messageEncoding: "json",
    metadata: [("frame", "map"), ("rate_hz", "50")])
  let grid = try writer.addChannel(
    schemaID: gridSchema, topic: "/perception/grid", messageEncoding: "x-grid")
  let raw = try writer.addChannel(schemaID: 0, topic: "/lidar/raw", messageEncoding: "x-raw")
  let channels: [UInt16: MCAPChannel] = [
    pose: MCAPChannel(
      id: pose, schemaID: poseSchema, topic: "/ego/pose", messageEncoding: "json",
      metadata: ["frame": "map", "rate_hz": "50"]),
    grid: MCAPChannel(
      id: grid, schemaID: gridSchema, topic: "/perception/grid", messageEncoding: "x-grid",
      metadata: [:]),
    raw: MCAPChannel(
      id: raw, schemaID: 0, topic: "/lidar/raw", messageEncoding: "x-raw", metadata: [:]),
  ]
  let schemas: [UInt16: MCAPSchema] = [
    poseSchema: MCAPSchema(
      id: poseSchema, name: "sightline.Pose", encoding: "jsonschema",
      data: Array(#"{"type":"object"}"#.utf8)),
    gridSchema: MCAPSchema(id: gridSchema, name: "sightline.Grid", encoding: "", data: []),
  ]

  var random = SeededGenerator(seed: seed)
  var messages: [MCAPMessage] = []
  var time: UInt64 = 1_700_000_000_000_000_000
  for index in 0..<messageCount {
    let channelID = [pose, grid, raw][Int(random.next() % 3)]
    let size = Int(random.next() % UInt64(maximumSize + 1))
    let data =
      compressible
      ? compressiblePayload(size: size, random: &random)
      : (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    time += random.next() % 1_000_000
    // Every seventh message was logged late: its log time is before the previous ones.
    let logTime = index % 7 == 6 ? time - 5_000_000 : time
    let message = MCAPMessage(
      channelID: channelID, topic: channels[channelID]!.topic, sequence: UInt32(index),
      logTime: logTime, publishTime: logTime &- 1234, data: data)
    try writer.addMessage(
      channelID: channelID, sequence: message.sequence, logTime: message.logTime,
      publishTime: message.publishTime, data: data)
    messages.append(message)
  }
  let output = try writer.finish()
  return TestRecording(
    bytes: output.bytes, messages: messages, schemas: schemas, channels: channels)
}

/// Mostly a repeating ramp with an occasional random byte, like an occupancy grid.
func compressiblePayload(size: Int, random: inout SeededGenerator) -> [UInt8] {
  (0..<size).map { index in
    random.next() % 16 == 0 ? UInt8(truncatingIfNeeded: random.next()) : UInt8(index / 32 % 4)
  }
}

/// Little-endian field reads for the test-side walker.
func readU16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
  UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
}

func readU32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
  (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
}

func readU64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
  (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
}

struct RawRecord {
  var opcode: UInt8
  var offset: Int
  /// Whole record, prefix included.
  var length: Int
  var contentStart: Int { offset + 9 }
}

/// Top-level records from after the leading magic to the footer (inclusive).
func walkRecords(_ bytes: [UInt8]) -> [RawRecord] {
  var records: [RawRecord] = []
  var offset = 8
  while offset + 9 <= bytes.count - 8 {
    let length = 9 + Int(readU64(bytes, offset + 1))
    records.append(RawRecord(opcode: bytes[offset], offset: offset, length: length))
    if bytes[offset] == 0x02 { break }
    offset += length
  }
  return records
}

/// The fields of a Chunk record (`records` is the stored, possibly compressed, bytes).
struct RawChunk {
  var uncompressedSize: UInt64
  var uncompressedCRC: UInt32
  var compression: String
  var records: Range<Int>
}

func rawChunk(_ bytes: [UInt8], _ chunk: RawRecord) -> RawChunk {
  let compressionLength = Int(readU32(bytes, chunk.contentStart + 28))
  let compression = String(
    decoding: bytes[(chunk.contentStart + 32)..<(chunk.contentStart + 32 + compressionLength)],
    as: UTF8.self)
  let recordsLengthOffset = chunk.contentStart + 32 + compressionLength
  let recordsStart = recordsLengthOffset + 8
  return RawChunk(
    uncompressedSize: readU64(bytes, chunk.contentStart + 16),
    uncompressedCRC: readU32(bytes, chunk.contentStart + 24), compression: compression,
    records: recordsStart..<(recordsStart + Int(readU64(bytes, recordsLengthOffset))))
}

/// (channel, log time) of each Message record inside an uncompressed Chunk record.
func messagesInChunk(_ bytes: [UInt8], _ chunk: RawRecord) -> [(channel: UInt16, logTime: UInt64)] {
  let compressionLength = Int(readU32(bytes, chunk.contentStart + 28))
  let recordsLengthOffset = chunk.contentStart + 32 + compressionLength
  var offset = recordsLengthOffset + 8
  let end = offset + Int(readU64(bytes, recordsLengthOffset))
  var result: [(UInt16, UInt64)] = []
  while offset < end {
    if bytes[offset] == 0x05 {
      result.append((readU16(bytes, offset + 9), readU64(bytes, offset + 15)))
    }
    offset += 9 + Int(readU64(bytes, offset + 1))
  }
  return result
}

/// The expected messages in log-time order (stable for equal times).
func sortedByLogTime(_ messages: [MCAPMessage]) -> [MCAPMessage] {
  messages.enumerated().sorted { ($0.element.logTime, $0.offset) < ($1.element.logTime, $1.offset) }
    .map(\.element)
}
