// Byte-level checks of tiny files against offsets and values worked out by hand from the spec.

import SightlineMCAP
import XCTest

final class MCAPLayoutTests: XCTestCase {
  private let magic: [UInt8] = [0x89, 0x4D, 0x43, 0x41, 0x50, 0x30, 0x0D, 0x0A]

  /// One schema, one channel, one 4-byte message. By hand:
  ///   0 magic (8) | 8 Header 9+17 | 34 Schema 9+19 | 62 Channel 9+21 | 92 Chunk 9+40+35
  ///   (its Message at 92+49 = 141, 9+22+4) | 176 Message Index 9+22 | 207 Data End 9+4
  ///   | 220 summary: Schema 28, Channel 30, Statistics 9+46+10, Chunk Index 9+74
  ///   | 426 Summary Offsets 4 × 26 | 530 Footer 29 | 559 magic | 567 end.
  func testSingleMessageFile() throws {
    var writer = try MCAPWriter(output: MCAPMemoryOutput())
    let schema = try writer.addSchema(name: "s", encoding: "e", data: [1, 2, 3])
    let channel = try writer.addChannel(schemaID: schema, topic: "/t", messageEncoding: "raw")
    XCTAssertEqual(schema, 1)
    XCTAssertEqual(channel, 1)
    try writer.addMessage(
      channelID: channel, sequence: 7, logTime: 10, publishTime: 11, data: [0xAA, 0xBB, 0xCC, 0xDD])
    let bytes = try writer.finish().bytes

    XCTAssertEqual(bytes.count, 567)
    XCTAssertEqual(Array(bytes[0..<8]), magic)
    XCTAssertEqual(Array(bytes[559...]), magic)

    // Header: opcode 1, length 17 = 4 + 0 ("" profile) + 4 + 9 ("sightline").
    XCTAssertEqual(bytes[8], 0x01)
    XCTAssertEqual(readU64(bytes, 9), 17)
    XCTAssertEqual(readU32(bytes, 17), 0)
    XCTAssertEqual(readU32(bytes, 21), 9)
    XCTAssertEqual(Array(bytes[25..<34]), Array("sightline".utf8))

    // Schema: id 1, "s", "e", data [1, 2, 3].
    XCTAssertEqual(bytes[34], 0x03)
    XCTAssertEqual(readU64(bytes, 35), 19)
    XCTAssertEqual(
      Array(bytes[43..<62]), [1, 0, 1, 0, 0, 0, 0x73, 1, 0, 0, 0, 0x65, 3, 0, 0, 0, 1, 2, 3])

    // Channel: id 1, schema 1, "/t", "raw", empty metadata map.
    XCTAssertEqual(bytes[62], 0x04)
    XCTAssertEqual(readU64(bytes, 63), 21)
    XCTAssertEqual(
      Array(bytes[71..<92]),
      [1, 0, 1, 0, 2, 0, 0, 0, 0x2F, 0x74, 3, 0, 0, 0, 0x72, 0x61, 0x77, 0, 0, 0, 0])

    // Chunk: times 10..10, 35 uncompressed bytes, CRC of them, compression "", 35 record bytes.
    XCTAssertEqual(bytes[92], 0x06)
    XCTAssertEqual(readU64(bytes, 93), 75)
    XCTAssertEqual(readU64(bytes, 101), 10)
    XCTAssertEqual(readU64(bytes, 109), 10)
    XCTAssertEqual(readU64(bytes, 117), 35)
    XCTAssertEqual(readU32(bytes, 125), MCAPCRC32.checksum(Array(bytes[141..<176])))
    XCTAssertEqual(readU32(bytes, 129), 0)
    XCTAssertEqual(readU64(bytes, 133), 35)

    // The message inside: opcode 5, length 26, channel 1, sequence 7, times 10 and 11, payload.
    XCTAssertEqual(bytes[141], 0x05)
    XCTAssertEqual(readU64(bytes, 142), 26)
    XCTAssertEqual(readU16(bytes, 150), 1)
    XCTAssertEqual(readU32(bytes, 152), 7)
    XCTAssertEqual(readU64(bytes, 156), 10)
    XCTAssertEqual(readU64(bytes, 164), 11)
    XCTAssertEqual(Array(bytes[172..<176]), [0xAA, 0xBB, 0xCC, 0xDD])

    // Message Index: channel 1, one entry (log time 10, offset 0 in the chunk records).
    XCTAssertEqual(bytes[176], 0x07)
    XCTAssertEqual(readU64(bytes, 177), 22)
    XCTAssertEqual(readU16(bytes, 185), 1)
    XCTAssertEqual(readU32(bytes, 187), 16)
    XCTAssertEqual(readU64(bytes, 191), 10)
    XCTAssertEqual(readU64(bytes, 199), 0)

    // Data End: CRC of everything before it, magic included.
    XCTAssertEqual(bytes[207], 0x0F)
    XCTAssertEqual(readU64(bytes, 208), 4)
    XCTAssertEqual(readU32(bytes, 216), MCAPCRC32.checksum(Array(bytes[0..<207])))

    // Summary: copies of the Schema and Channel records, then Statistics, then Chunk Index.
    XCTAssertEqual(Array(bytes[220..<248]), Array(bytes[34..<62]))
    XCTAssertEqual(Array(bytes[248..<278]), Array(bytes[62..<92]))
    XCTAssertEqual(bytes[278], 0x0B)
    XCTAssertEqual(readU64(bytes, 279), 56)
    XCTAssertEqual(readU64(bytes, 287), 1)  // message_count
    XCTAssertEqual(readU16(bytes, 295), 1)  // schema_count
    XCTAssertEqual(readU32(bytes, 297), 1)  // channel_count
    XCTAssertEqual(readU32(bytes, 301), 0)  // attachment_count
    XCTAssertEqual(readU32(bytes, 305), 0)  // metadata_count
    XCTAssertEqual(readU32(bytes, 309), 1)  // chunk_count
    XCTAssertEqual(readU64(bytes, 313), 10)  // message_start_time
    XCTAssertEqual(readU64(bytes, 321), 10)  // message_end_time
    XCTAssertEqual(readU32(bytes, 329), 10)  // channel_message_counts byte length
    XCTAssertEqual(readU16(bytes, 333), 1)
    XCTAssertEqual(readU64(bytes, 335), 1)

    XCTAssertEqual(bytes[343], 0x08)
    XCTAssertEqual(readU64(bytes, 344), 74)
    XCTAssertEqual(readU64(bytes, 352), 10)  // message_start_time
    XCTAssertEqual(readU64(bytes, 360), 10)  // message_end_time
    XCTAssertEqual(readU64(bytes, 368), 92)  // chunk_start_offset
    XCTAssertEqual(readU64(bytes, 376), 84)  // chunk_length
    XCTAssertEqual(readU32(bytes, 384), 10)  // message_index_offsets byte length
    XCTAssertEqual(readU16(bytes, 388), 1)
    XCTAssertEqual(readU64(bytes, 390), 176)
    XCTAssertEqual(readU64(bytes, 398), 31)  // message_index_length
    XCTAssertEqual(readU32(bytes, 406), 0)  // compression ""
    XCTAssertEqual(readU64(bytes, 410), 35)  // compressed_size
    XCTAssertEqual(readU64(bytes, 418), 35)  // uncompressed_size

    // Summary Offsets: (opcode, start, length) for each group.
    let groups: [(UInt8, UInt64, UInt64)] = [
      (0x03, 220, 28), (0x04, 248, 30), (0x0B, 278, 65), (0x08, 343, 83),
    ]
    for (index, group) in groups.enumerated() {
      let offset = 426 + 26 * index
      XCTAssertEqual(bytes[offset], 0x0E)
      XCTAssertEqual(readU64(bytes, offset + 1), 17)
      XCTAssertEqual(bytes[offset + 9], group.0)
      XCTAssertEqual(readU64(bytes, offset + 10), group.1)
      XCTAssertEqual(readU64(bytes, offset + 18), group.2)
    }

    // Footer: summary at 220, summary offsets at 426, CRC of 220 through summary_offset_start.
    XCTAssertEqual(bytes[530], 0x02)
    XCTAssertEqual(readU64(bytes, 531), 20)
    XCTAssertEqual(readU64(bytes, 539), 220)
    XCTAssertEqual(readU64(bytes, 547), 426)
    XCTAssertEqual(readU32(bytes, 555), MCAPCRC32.checksum(Array(bytes[220..<555])))
  }

  /// No schemas, channels or messages: magic, Header, Data End, Statistics, one Summary Offset,
  /// Footer, magic = 8 + 26 + 13 + 55 + 26 + 29 + 8 = 165 bytes.
  func testEmptyFile() throws {
    var writer = try MCAPWriter(output: MCAPMemoryOutput())
    let bytes = try writer.finish().bytes
    XCTAssertEqual(bytes.count, 165)
    XCTAssertEqual(bytes[34], 0x0F)
    XCTAssertEqual(readU32(bytes, 43), MCAPCRC32.checksum(Array(bytes[0..<34])))
    XCTAssertEqual(bytes[47], 0x0B)
    XCTAssertEqual(readU64(bytes, 56 + 8 + 2 + 16), 0)  // message_start_time 0: no messages
    XCTAssertEqual(bytes[102], 0x0E)
    XCTAssertEqual(bytes[128], 0x02)
    XCTAssertEqual(readU64(bytes, 137), 47)
    XCTAssertEqual(readU64(bytes, 145), 102)

    let reader = try MCAPReader(bytes: bytes)
    XCTAssertEqual(try reader.messages(), [])
    XCTAssertEqual(
      reader.statistics,
      MCAPStatistics(
        messageCount: 0, schemaCount: 0, channelCount: 0, attachmentCount: 0, metadataCount: 0,
        chunkCount: 0, messageStartTime: 0, messageEndTime: 0, channelMessageCounts: [:]))
    XCTAssertTrue(reader.chunkIndexes.isEmpty)
  }

  /// The writer is deterministic: the same calls give the same bytes.
  func testDeterministicOutput() throws {
    let first = try makeRecording(messageCount: 50, chunkSize: 1000)
    let second = try makeRecording(messageCount: 50, chunkSize: 1000)
    XCTAssertEqual(first.bytes, second.bytes)
  }
}
