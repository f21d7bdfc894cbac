// Damaged and truncated zstd recordings: the reader throws an MCAPError (the chunk's CRC, or the
// decompressor's refusal), never traps, and recovery keeps the chunks before the damage.

import SightlineMCAP
import SightlineZstd
import XCTest

final class MCAPCompressionDamageTests: XCTestCase {
  private func zstdRecording(messageCount: Int = 40, chunkSize: Int = 600) throws
    -> (plain: TestRecording, zstd: TestRecording)
  {
    let plain = try makeRecording(
      messageCount: messageCount, chunkSize: chunkSize, maximumSize: 120, compressible: true)
    let zstd = try makeRecording(
      messageCount: messageCount, chunkSize: chunkSize, maximumSize: 120,
      compression: ZstdCompressor(), compressible: true)
    return (plain, zstd)
  }

  /// How many messages each chunk holds (the uncompressed twin has the same chunks).
  private func messagesPerChunk(_ plain: TestRecording) -> [Int] {
    walkRecords(plain.bytes).filter { $0.opcode == 0x06 }.map {
      messagesInChunk(plain.bytes, $0).count
    }
  }

  private func isChunkDamage(_ error: Error?, at offset: Int) -> Bool {
    switch error as? MCAPError {
    case .crcMismatch(what: "chunk", let at, _, _): return at == offset
    case .decompressionFailed("zstd", let at, _): return at == offset
    default: return false
    }
  }

  /// A flipped byte in the middle of the second chunk's compressed records: the strict reader
  /// throws for that chunk, recovery keeps exactly the first chunk's messages.
  func testFlippedByteInCompressedRecords() throws {
    let (plain, zstd) = try zstdRecording()
    let chunks = walkRecords(zstd.bytes).filter { $0.opcode == 0x06 }
    XCTAssertGreaterThan(chunks.count, 3)
    let records = rawChunk(zstd.bytes, chunks[1]).records
    var damaged = zstd.bytes
    damaged[records.lowerBound + records.count / 2] ^= 0x10

    XCTAssertThrowsError(try MCAPReader(bytes: damaged, decompressors: [ZstdDecompressor()])) {
      XCTAssertTrue(self.isChunkDamage($0, at: chunks[1].offset), "got \($0)")
    }
    let recovered = try MCAPReader.recover(bytes: damaged, decompressors: [ZstdDecompressor()])
    XCTAssertTrue(isChunkDamage(recovered.recoveryStopReason, at: chunks[1].offset))
    let firstChunkCount = messagesPerChunk(plain)[0]
    XCTAssertEqual(
      try recovered.messages(order: .file), Array(zstd.messages.prefix(firstChunkCount)))
  }

  /// Every byte of the second chunk's compressed records, flipped in turn: each is caught as
  /// damage to that chunk or, when the flip happens not to change what decodes (a few bits of
  /// a zstd frame do not matter), by the data section CRC, with the messages intact. Recovery
  /// always keeps the first chunk.
  func testEveryFlippedByteInAChunk() throws {
    let (plain, zstd) = try zstdRecording()
    let chunks = walkRecords(zstd.bytes).filter { $0.opcode == 0x06 }
    let firstChunkCount = messagesPerChunk(plain)[0]
    let decompressor = try ZstdDecompressor()
    var caught = 0
    for position in rawChunk(zstd.bytes, chunks[1]).records {
      var damaged = zstd.bytes
      damaged[position] ^= 0x01
      let recovered = try MCAPReader.recover(bytes: damaged, decompressors: [decompressor])
      do {
        _ = try MCAPReader(bytes: damaged, decompressors: [decompressor])
        XCTFail("byte \(position): the damage went unnoticed")
      } catch {
        if isChunkDamage(error, at: chunks[1].offset) {
          caught += 1
          XCTAssertEqual(recovered.messageCount, firstChunkCount, "byte \(position)")
        } else if case .crcMismatch(what: "data section", _, _, _) = error {
          XCTAssertEqual(try recovered.messages(order: .file), zstd.messages, "byte \(position)")
        } else {
          XCTFail("byte \(position): \(error)")
        }
      }
    }
    XCTAssertGreaterThan(caught, rawChunk(zstd.bytes, chunks[1]).records.count * 9 / 10)
  }

  /// A wrong uncompressed_size (CRCs zeroed, so only the size stands in the way) is the
  /// decompressor's refusal, including sizes no buffer could hold.
  func testWrongUncompressedSize() throws {
    let (_, zstd) = try zstdRecording()
    let chunk = try XCTUnwrap(walkRecords(zstd.bytes).first { $0.opcode == 0x06 })
    let size = rawChunk(zstd.bytes, chunk).uncompressedSize
    for value in [size - 1, size + 1, 0, 1 << 40, UInt64(Int.max), .max] {
      var damaged = zstd.bytes
      for index in 0..<8 {
        damaged[chunk.contentStart + 16 + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
      }
      for index in 0..<4 { damaged[chunk.contentStart + 24 + index] = 0 }  // uncompressed_crc
      let footer = walkRecords(damaged).last!
      for index in 0..<4 { damaged[footer.contentStart + 16 + index] = 0 }  // summary_crc
      let dataEnd = walkRecords(damaged).first { $0.opcode == 0x0F }!
      for index in 0..<4 { damaged[dataEnd.contentStart + index] = 0 }  // data section CRC
      XCTAssertThrowsError(
        try MCAPReader(bytes: damaged, decompressors: [ZstdDecompressor()]), "size \(value)"
      ) {
        guard case .decompressionFailed("zstd", chunk.offset, _) = $0 as? MCAPError else {
          return XCTFail("size \(value): got \($0)")
        }
      }
      let recovered = try MCAPReader.recover(bytes: damaged, decompressors: [ZstdDecompressor()])
      XCTAssertEqual(recovered.messageCount, 0)
    }
  }

  /// Every prefix of a compressed file: recovery returns exactly the messages of the chunks that
  /// are complete in it.
  func testEveryTruncationLength() throws {
    let (plain, zstd) = try zstdRecording(messageCount: 24, chunkSize: 300)
    let chunks = walkRecords(zstd.bytes).filter { $0.opcode == 0x06 }
    let counts = messagesPerChunk(plain)
    XCTAssertEqual(chunks.count, counts.count)
    let headerEnd = 8 + 9 + Int(readU64(zstd.bytes, 9))
    let decompressor = try ZstdDecompressor()
    for length in headerEnd..<zstd.bytes.count {
      let prefix = Array(zstd.bytes[0..<length])
      XCTAssertThrowsError(try MCAPReader(bytes: prefix, decompressors: [decompressor]))
      let reader = try MCAPReader.recover(bytes: prefix, decompressors: [decompressor])
      let expected = zip(chunks, counts).filter { $0.0.offset + $0.0.length <= length }
        .reduce(0) { $0 + $1.1 }
      XCTAssertEqual(
        try reader.messages(order: .file), Array(zstd.messages.prefix(expected)),
        "length \(length)")
    }
  }

  /// Random damage to a compressed file never traps.
  func testRandomDamageNeverCrashes() throws {
    let (_, zstd) = try zstdRecording(messageCount: 30, chunkSize: 400)
    let decompressor = try ZstdDecompressor()
    var random = SeededGenerator(seed: 7)
    var rejected = 0
    for _ in 0..<2000 {
      var damaged = zstd.bytes
      for _ in 0..<(1 + random.next() % 4) {
        let index = Int(random.next() % UInt64(damaged.count))
        damaged[index] = UInt8(truncatingIfNeeded: random.next())
      }
      if random.next() % 4 == 0 { damaged.removeLast(Int(random.next() % UInt64(damaged.count))) }
      do {
        _ = try MCAPReader(bytes: damaged, decompressors: [decompressor]).messages()
      } catch {
        rejected += 1
      }
      _ = try? MCAPReader.recover(bytes: damaged, decompressors: [decompressor]).messages()
    }
    XCTAssertGreaterThan(rejected, 1500)
  }
}
