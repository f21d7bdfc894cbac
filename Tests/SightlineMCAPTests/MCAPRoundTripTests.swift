import SightlineMCAP
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

final class MCAPRoundTripTests: XCTestCase {
  /// 3 channels, 1000 messages of 0…700 bytes, 2 KiB chunks: everything comes back, and the
  /// summary agrees with what the file holds.
  func testThousandMessagesInManyChunks() throws {
    let recording = try makeRecording(messageCount: 1000, chunkSize: 2048)
    let reader = try MCAPReader(bytes: recording.bytes)

    XCTAssertEqual(reader.profile, "x-sightline-test")
    XCTAssertEqual(reader.library, "sightline")
    XCTAssertTrue(reader.hasSummary)
    XCTAssertEqual(reader.schemas, recording.schemas)
    XCTAssertEqual(reader.channels, recording.channels)
    XCTAssertEqual(try reader.messages(order: .file), recording.messages)
    XCTAssertEqual(try reader.messages(), sortedByLogTime(recording.messages))
    XCTAssertNotEqual(recording.messages, sortedByLogTime(recording.messages), "times go back")
    XCTAssertEqual(
      try reader.messages(topic: "/ego/pose", order: .file),
      recording.messages.filter { $0.topic == "/ego/pose" })
    XCTAssertEqual(try reader.messages(topic: "/nowhere"), [])

    // Statistics.
    let statistics = try XCTUnwrap(reader.statistics)
    XCTAssertEqual(statistics.messageCount, 1000)
    XCTAssertEqual(statistics.schemaCount, 2)
    XCTAssertEqual(statistics.channelCount, 3)
    XCTAssertEqual(statistics.attachmentCount, 0)
    XCTAssertEqual(statistics.metadataCount, 0)
    XCTAssertEqual(statistics.messageStartTime, recording.messages.map(\.logTime).min())
    XCTAssertEqual(statistics.messageEndTime, recording.messages.map(\.logTime).max())
    var perChannel: [UInt16: UInt64] = [:]
    for message in recording.messages { perChannel[message.channelID, default: 0] += 1 }
    XCTAssertEqual(statistics.channelMessageCounts, perChannel)

    // Chunk indexes against the chunks an independent walk finds.
    let records = walkRecords(recording.bytes)
    let chunks = records.filter { $0.opcode == 0x06 }
    XCTAssertGreaterThan(chunks.count, 100)
    XCTAssertEqual(Int(statistics.chunkCount), chunks.count)
    XCTAssertEqual(reader.chunkIndexes.count, chunks.count)
    var messagesSeen = 0
    for (index, chunk) in zip(reader.chunkIndexes, chunks) {
      XCTAssertEqual(index.chunkStartOffset, UInt64(chunk.offset))
      XCTAssertEqual(index.chunkLength, UInt64(chunk.length))
      XCTAssertEqual(index.compression, "")
      XCTAssertEqual(index.compressedSize, index.uncompressedSize)
      let inChunk = messagesInChunk(recording.bytes, chunk)
      messagesSeen += inChunk.count
      XCTAssertEqual(index.messageStartTime, inChunk.map(\.logTime).min())
      XCTAssertEqual(index.messageEndTime, inChunk.map(\.logTime).max())
      XCTAssertEqual(Set(index.messageIndexOffsets.keys), Set(inChunk.map(\.channel)))
      // The Message Index records follow the chunk directly, one per channel in it.
      let indexRecords = records.filter {
        $0.opcode == 0x07 && $0.offset >= chunk.offset + chunk.length
          && $0.offset < chunk.offset + chunk.length + Int(index.messageIndexLength)
      }
      XCTAssertEqual(indexRecords.count, index.messageIndexOffsets.count)
      XCTAssertEqual(indexRecords.first?.offset, chunk.offset + chunk.length)
      XCTAssertEqual(
        Set(indexRecords.map { UInt64($0.offset) }), Set(index.messageIndexOffsets.values))
    }
    XCTAssertEqual(messagesSeen, 1000)

    // File layout: Data End right after the last data record, then the summary.
    let dataEnd = try XCTUnwrap(records.first { $0.opcode == 0x0F })
    let footer = try XCTUnwrap(records.last)
    XCTAssertEqual(footer.opcode, 0x02)
    XCTAssertEqual(footer.offset, recording.bytes.count - 8 - 29)
    XCTAssertEqual(Int(readU64(recording.bytes, footer.offset + 9)), dataEnd.offset + 13)
  }

  /// A message bigger than the chunk size gets a chunk of its own; empty payloads survive.
  func testOversizedAndEmptyMessages() throws {
    var writer = try MCAPWriter(output: MCAPMemoryOutput(), chunkSize: 100)
    let channel = try writer.addChannel(schemaID: 0, topic: "/big", messageEncoding: "x")
    let big = [UInt8](repeating: 0x5A, count: 10_000)
    try writer.addMessage(channelID: channel, sequence: 0, logTime: 5, publishTime: 5, data: [])
    try writer.addMessage(channelID: channel, sequence: 1, logTime: 3, publishTime: 3, data: big)
    try writer.addMessage(channelID: channel, sequence: 2, logTime: 4, publishTime: 4, data: [])
    let reader = try MCAPReader(bytes: try writer.finish().bytes)
    let messages = try reader.messages()
    XCTAssertEqual(messages.map(\.sequence), [1, 2, 0])
    XCTAssertEqual(messages.map(\.data.count), [10_000, 0, 0])
    XCTAssertEqual(reader.chunkIndexes.count, 2)
    XCTAssertEqual(reader.statistics?.messageStartTime, 3)
    XCTAssertEqual(reader.statistics?.messageEndTime, 5)
  }

  /// Through the file edge: same bytes as in memory, readable by path.
  func testFileOutputRoundTrip() throws {
    let path = "/tmp/sightline-mcap-roundtrip-\(getpid()).mcap"
    defer { unlink(path) }
    let recording = try makeRecording(messageCount: 300, chunkSize: 4096)

    var writer = try MCAPWriter(
      output: try MCAPFileOutput(path: path), profile: "x-sightline-test", chunkSize: 4096)
    var memory = try MCAPWriter(
      output: MCAPMemoryOutput(), profile: "x-sightline-test", chunkSize: 4096)
    for schema in recording.schemas.values.sorted(by: { $0.id < $1.id }) {
      _ = try writer.addSchema(name: schema.name, encoding: schema.encoding, data: schema.data)
      _ = try memory.addSchema(name: schema.name, encoding: schema.encoding, data: schema.data)
    }
    for channel in recording.channels.values.sorted(by: { $0.id < $1.id }) {
      let metadata = channel.metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
      _ = try writer.addChannel(
        schemaID: channel.schemaID, topic: channel.topic,
        messageEncoding: channel.messageEncoding, metadata: metadata)
      _ = try memory.addChannel(
        schemaID: channel.schemaID, topic: channel.topic,
        messageEncoding: channel.messageEncoding, metadata: metadata)
    }
    for message in recording.messages {
      try writer.addMessage(
        channelID: message.channelID, sequence: message.sequence, logTime: message.logTime,
        publishTime: message.publishTime, data: message.data)
      try memory.addMessage(
        channelID: message.channelID, sequence: message.sequence, logTime: message.logTime,
        publishTime: message.publishTime, data: message.data)
    }
    let file = try writer.finish()
    XCTAssertEqual(file.position, UInt64(try memory.finish().bytes.count))
    try file.close()
    XCTAssertTrue(file.isClosed)

    let reader = try MCAPReader(path: path)
    XCTAssertEqual(try reader.messages(order: .file), recording.messages)
    XCTAssertEqual(reader.channels, recording.channels)
    let recovered = try MCAPReader.recover(path: path)
    XCTAssertEqual(try recovered.messages(order: .file), recording.messages)
    XCTAssertNil(recovered.recoveryStopReason)
  }

  /// Recovery on an intact file reads everything and reports no damage.
  func testRecoverOnCompleteFile() throws {
    let recording = try makeRecording(messageCount: 200, chunkSize: 1024)
    let reader = try MCAPReader.recover(bytes: recording.bytes)
    XCTAssertNil(reader.recoveryStopReason)
    XCTAssertEqual(try reader.messages(order: .file), recording.messages)
    XCTAssertEqual(reader.channels, recording.channels)
    XCTAssertEqual(reader.schemas, recording.schemas)
    XCTAssertNil(reader.statistics)
  }
}
