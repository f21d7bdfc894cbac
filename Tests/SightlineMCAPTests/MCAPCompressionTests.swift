// Compressed chunks: what MCAPWriter writes with a compressor, and MCAPReader reads back with the
// matching decompressor, compared with the same input written uncompressed.

import SightlineMCAP
import SightlineZstd
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

final class MCAPCompressionTests: XCTestCase {
  /// zstd chunks read back to exactly the messages (and schemas, channels, statistics, chunk
  /// times) of the same input written uncompressed, in a fraction of the bytes.
  func testZstdRoundTripMatchesUncompressed() throws {
    let plain = try makeRecording(messageCount: 1000, chunkSize: 16 << 10, compressible: true)
    let zstd = try makeRecording(
      messageCount: 1000, chunkSize: 16 << 10, compression: ZstdCompressor(), compressible: true)
    XCTAssertEqual(zstd.messages, plain.messages)
    let plainReader = try MCAPReader(bytes: plain.bytes)
    let reader = try MCAPReader(bytes: zstd.bytes, decompressors: [ZstdDecompressor()])

    XCTAssertEqual(try reader.messages(order: .file), try plainReader.messages(order: .file))
    XCTAssertEqual(try reader.messages(order: .file), zstd.messages)
    XCTAssertEqual(try reader.messages(), sortedByLogTime(zstd.messages))
    XCTAssertEqual(
      try reader.messages(topic: "/perception/grid"),
      try plainReader.messages(topic: "/perception/grid"))
    XCTAssertEqual(reader.schemas, plainReader.schemas)
    XCTAssertEqual(reader.channels, plainReader.channels)
    XCTAssertEqual(reader.statistics, plainReader.statistics)
    XCTAssertEqual(reader.profile, "x-sightline-test")

    // Same chunks (chunking counts uncompressed bytes), now compressed.
    XCTAssertGreaterThan(reader.chunkIndexes.count, 10)
    XCTAssertEqual(reader.chunkIndexes.count, plainReader.chunkIndexes.count)
    for (index, plainIndex) in zip(reader.chunkIndexes, plainReader.chunkIndexes) {
      XCTAssertEqual(index.compression, "zstd")
      XCTAssertEqual(plainIndex.compression, "")
      XCTAssertEqual(index.uncompressedSize, plainIndex.uncompressedSize)
      XCTAssertLessThan(index.compressedSize * 2, index.uncompressedSize)
      XCTAssertEqual(index.messageStartTime, plainIndex.messageStartTime)
      XCTAssertEqual(index.messageEndTime, plainIndex.messageEndTime)
      XCTAssertEqual(Set(index.messageIndexOffsets.keys), Set(plainIndex.messageIndexOffsets.keys))
    }
    // "Much smaller": the payloads are ~15/16 pattern.
    XCTAssertLessThan(zstd.bytes.count * 3, plain.bytes.count)

    let recovered = try MCAPReader.recover(bytes: zstd.bytes, decompressors: [ZstdDecompressor()])
    XCTAssertNil(recovered.recoveryStopReason)
    XCTAssertEqual(try recovered.messages(order: .file), zstd.messages)
  }

  /// Random payloads do not compress, but still round-trip; so do oversized and empty messages.
  func testIncompressibleAndOddSizedMessagesRoundTrip() throws {
    let zstd = try makeRecording(
      messageCount: 500, chunkSize: 4096, compression: ZstdCompressor(level: 1))
    let reader = try MCAPReader(bytes: zstd.bytes, decompressors: [ZstdDecompressor()])
    XCTAssertEqual(try reader.messages(order: .file), zstd.messages)

    var writer = try MCAPWriter(
      output: MCAPMemoryOutput(), chunkSize: 100, compression: ZstdCompressor())
    let channel = try writer.addChannel(schemaID: 0, topic: "/big", messageEncoding: "x")
    let big = [UInt8](repeating: 0x5A, count: 100_000)
    try writer.addMessage(channelID: channel, sequence: 0, logTime: 5, publishTime: 5, data: [])
    try writer.addMessage(channelID: channel, sequence: 1, logTime: 3, publishTime: 3, data: big)
    try writer.addMessage(channelID: channel, sequence: 2, logTime: 4, publishTime: 4, data: [])
    let bytes = try writer.finish().bytes
    XCTAssertLessThan(bytes.count, 2000)
    let bigReader = try MCAPReader(bytes: bytes, decompressors: [ZstdDecompressor()])
    XCTAssertEqual(try bigReader.messages().map(\.data.count), [100_000, 0, 0])
    XCTAssertEqual(bigReader.chunkIndexes.count, 2)
  }

  /// The Chunk records themselves, walked independently: compression "zstd", uncompressed_size
  /// and uncompressed_crc of the records before compression, records as long as the Chunk Index
  /// says, and the Chunk Index's chunk_length covering the whole record.
  func testChunkRecordsFollowTheSpec() throws {
    let zstd = try makeRecording(
      messageCount: 300, chunkSize: 8192, compression: ZstdCompressor(), compressible: true)
    let reader = try MCAPReader(bytes: zstd.bytes, decompressors: [ZstdDecompressor()])
    let chunks = walkRecords(zstd.bytes).filter { $0.opcode == 0x06 }
    XCTAssertEqual(chunks.count, reader.chunkIndexes.count)
    let decompressor = try ZstdDecompressor()
    for (chunk, index) in zip(chunks, reader.chunkIndexes) {
      let fields = rawChunk(zstd.bytes, chunk)
      XCTAssertEqual(fields.compression, "zstd")
      XCTAssertEqual(index.chunkStartOffset, UInt64(chunk.offset))
      XCTAssertEqual(index.chunkLength, UInt64(chunk.length))
      XCTAssertEqual(chunk.offset + chunk.length, fields.records.upperBound)
      XCTAssertEqual(UInt64(fields.records.count), index.compressedSize)
      XCTAssertEqual(fields.uncompressedSize, index.uncompressedSize)
      var records: [UInt8] = []
      try zstd.bytes.withUnsafeBytes {
        try decompressor.decompress(
          .init(rebasing: $0[fields.records]), uncompressedSize: Int(fields.uncompressedSize),
          into: &records)
      }
      XCTAssertEqual(fields.uncompressedCRC, MCAPCRC32.checksum(records))
      XCTAssertEqual(records.first, 0x05, "the records start with a Message")
    }
  }

  /// Without a compressor the writer's output is byte for byte what it was before compression
  /// existed (length and CRC-32 of files written by the previous writer).
  func testUncompressedOutputIsUnchanged() throws {
    let cases: [(count: Int, chunk: Int, size: Int, length: Int, crc: UInt32)] = [
      (200, 1024, 700, 92283, 0x0E57_9860), (1000, 2048, 700, 434_631, 0xEA3E_3B6F),
      (24, 300, 60, 3518, 0x3003_65C6),
    ]
    for item in cases {
      let bytes = try makeRecording(
        messageCount: item.count, chunkSize: item.chunk, maximumSize: item.size
      ).bytes
      XCTAssertEqual(bytes.count, item.length)
      XCTAssertEqual(MCAPCRC32.checksum(bytes), item.crc)
    }
  }

  /// Compressed chunks with no decompressor for them: the summary reads, messages throw
  /// `unsupportedCompression` (also after recovery, and with a decompressor for another name).
  func testCompressedChunksWithoutADecompressor() throws {
    let zstd = try makeRecording(messageCount: 50, chunkSize: 1024, compression: ZstdCompressor())
    let firstChunk = try XCTUnwrap(walkRecords(zstd.bytes).first { $0.opcode == 0x06 })
    let readers = [
      try MCAPReader(bytes: zstd.bytes),
      try MCAPReader(bytes: zstd.bytes, decompressors: [XORCodec()]),
      try MCAPReader.recover(bytes: zstd.bytes),
    ]
    for reader in readers {
      XCTAssertEqual(reader.channels, zstd.channels)
      XCTAssertThrowsError(try reader.messages()) { error in
        XCTAssertEqual(
          error as? MCAPError, .unsupportedCompression("zstd", chunkOffset: firstChunk.offset))
      }
    }
    XCTAssertEqual(try MCAPReader(bytes: zstd.bytes).statistics?.messageCount, 50)
  }

  /// The plumbing with a pure-Swift codec: any name, any stored length.
  func testCustomCodecRoundTrip() throws {
    let recording = try makeRecording(messageCount: 200, chunkSize: 2048, compression: XORCodec())
    let reader = try MCAPReader(bytes: recording.bytes, decompressors: [XORCodec()])
    XCTAssertEqual(try reader.messages(order: .file), recording.messages)
    XCTAssertTrue(reader.chunkIndexes.allSatisfy { $0.compression == "x-xor" })
    XCTAssertTrue(reader.chunkIndexes.allSatisfy { $0.compressedSize == $0.uncompressedSize + 1 })

    // A decompressor that breaks its promise is caught, not believed.
    let chunk = try XCTUnwrap(walkRecords(recording.bytes).first { $0.opcode == 0x06 })
    XCTAssertThrowsError(
      try MCAPReader(bytes: recording.bytes, decompressors: [ShortDecompressor()])
    ) {
      guard case .decompressionFailed("x-xor", chunk.offset, _) = $0 as? MCAPError else {
        return XCTFail("got \($0)")
      }
    }
  }

  /// A compressor failure fails the writer, like an output failure; a nameless compressor is
  /// refused up front.
  func testCompressorFailureFailsTheWriter() throws {
    var writer = try MCAPWriter(
      output: MCAPMemoryOutput(), chunkSize: 10, compression: FailingCompressor())
    let channel = try writer.addChannel(schemaID: 0, topic: "/t", messageEncoding: "x")
    let expected = MCAPError.compressionFailed(
      compression: "zstd", reason: "the test codec refused")
    XCTAssertThrowsError(
      try writer.addMessage(channelID: channel, sequence: 0, logTime: 1, publishTime: 1, data: [1])
    ) { XCTAssertEqual($0 as? MCAPError, expected) }
    XCTAssertThrowsError(try writer.finish()) {
      XCTAssertEqual($0 as? MCAPError, .writerFailed(expected))
    }
    XCTAssertThrowsError(
      try MCAPWriter(output: MCAPMemoryOutput(), compression: XORCodec(name: ""))
    ) {
      guard case .compressionFailed("", _) = $0 as? MCAPError else { return XCTFail("got \($0)") }
    }
  }

  /// Through the file edge: `init(path:decompressors:)` and `recover(path:decompressors:)`.
  func testCompressedFileRoundTrip() throws {
    let path = "/tmp/sightline-mcap-zstd-\(getpid()).mcap"
    defer { unlink(path) }
    let recording = try makeRecording(
      messageCount: 300, chunkSize: 4096, compression: ZstdCompressor(), compressible: true)
    let file = try MCAPFileOutput(path: path)
    try recording.bytes.withUnsafeBytes { try file.write($0) }
    try file.close()
    let reader = try MCAPReader(path: path, decompressors: [ZstdDecompressor()])
    XCTAssertEqual(try reader.messages(order: .file), recording.messages)
    let recovered = try MCAPReader.recover(path: path, decompressors: [ZstdDecompressor()])
    XCTAssertEqual(try recovered.messages(order: .file), recording.messages)
  }

  /// The official Python writer's zstd file reads to the same messages as its uncompressed one.
  func testReadsPythonWrittenZstdFile() throws {
    let reader = try MCAPReader(bytes: PythonFixtures.zstd, decompressors: [ZstdDecompressor()])
    let plain = try MCAPReader(bytes: PythonFixtures.uncompressed)
    XCTAssertEqual(try reader.messages(), try plain.messages())
    XCTAssertEqual(try reader.messages().count, 5)
    XCTAssertEqual(reader.schemas, plain.schemas)
    XCTAssertEqual(reader.channels, plain.channels)
  }
}
