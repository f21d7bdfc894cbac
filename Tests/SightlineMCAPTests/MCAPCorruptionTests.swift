// Truncated and damaged files: the reader must throw (or, recovering, return a prefix of the
// messages) and never trap or read out of bounds.

import SightlineMCAP
import XCTest

final class MCAPCorruptionTests: XCTestCase {
  /// Every prefix of a small multi-chunk file: the strict reader refuses it; recovery returns
  /// exactly the messages of the chunks that are complete in it, in file order.
  func testEveryTruncationLength() throws {
    let recording = try makeRecording(messageCount: 24, chunkSize: 300, maximumSize: 60)
    let bytes = recording.bytes
    let records = walkRecords(bytes)
    let chunks = records.filter { $0.opcode == 0x06 }
    XCTAssertGreaterThan(chunks.count, 3)
    let headerEnd = 8 + 9 + Int(readU64(bytes, 9))
    let dataEnd = records.first { $0.opcode == 0x0F }!
    let channelEnds = records.filter { $0.opcode == 0x04 && $0.offset < dataEnd.offset }
      .map { $0.offset + $0.length }

    for length in 0..<bytes.count {
      let prefix = Array(bytes[0..<length])
      XCTAssertThrowsError(try MCAPReader(bytes: prefix), "length \(length)")
      do {
        let reader = try MCAPReader.recover(bytes: prefix)
        XCTAssertGreaterThanOrEqual(length, headerEnd)
        let expectedCount = chunks.filter { $0.offset + $0.length <= length }
          .reduce(0) { $0 + messagesInChunk(bytes, $1).count }
        let messages = try reader.messages(order: .file)
        XCTAssertEqual(
          messages, Array(recording.messages.prefix(expectedCount)), "length \(length)")
        // Past Data End the data section is whole: nothing was lost, so no stop reason.
        let dataSectionComplete = length >= dataEnd.offset + dataEnd.length
        XCTAssertEqual(reader.recoveryStopReason == nil, dataSectionComplete, "length \(length)")
        XCTAssertEqual(
          reader.channels.count, channelEnds.filter { $0 <= length }.count, "length \(length)")
      } catch {
        XCTAssertLessThan(length, headerEnd, "recover threw \(error) at length \(length)")
      }
    }
    XCTAssertEqual(try MCAPReader(bytes: bytes).messageCount, 24)
  }

  /// A flipped payload byte inside the second chunk fails that chunk's CRC; recovery keeps the
  /// first chunk only.
  func testFlippedByteInChunkIsCaughtByItsCRC() throws {
    let recording = try makeRecording(messageCount: 40, chunkSize: 500, maximumSize: 80)
    let chunks = walkRecords(recording.bytes).filter { $0.opcode == 0x06 }
    let chunk = chunks[1]
    var damaged = recording.bytes
    damaged[chunk.offset + chunk.length - 1] ^= 0x01  // last payload byte of its last message

    XCTAssertThrowsError(try MCAPReader(bytes: damaged)) { error in
      guard case .crcMismatch(let what, let offset, _, _) = error as? MCAPError else {
        return XCTFail("expected a CRC mismatch, got \(error)")
      }
      XCTAssertEqual(what, "chunk")
      XCTAssertEqual(offset, chunk.offset)
    }
    let recovered = try MCAPReader.recover(bytes: damaged)
    let firstChunkCount = messagesInChunk(recording.bytes, chunks[0]).count
    XCTAssertEqual(
      try recovered.messages(order: .file), Array(recording.messages.prefix(firstChunkCount)))
    guard case .crcMismatch(what: "chunk", _, _, _) = recovered.recoveryStopReason else {
      return XCTFail("stop reason \(String(describing: recovered.recoveryStopReason))")
    }
  }

  /// Outside chunks, the Data End CRC covers the data section; in the summary, the footer CRC.
  func testDataSectionAndSummaryCRCs() throws {
    let recording = try makeRecording(messageCount: 10, chunkSize: 4096)
    let records = walkRecords(recording.bytes)

    var damagedTopic = recording.bytes
    let channel = try XCTUnwrap(records.first { $0.opcode == 0x04 })
    damagedTopic[channel.contentStart + 8] ^= 0x20  // first topic character changes case
    XCTAssertThrowsError(try MCAPReader(bytes: damagedTopic)) { error in
      guard case .crcMismatch(what: "data section", _, _, _) = error as? MCAPError else {
        return XCTFail("expected the data section CRC to fail, got \(error)")
      }
    }

    var damagedSummary = recording.bytes
    let summaryStatistics = try XCTUnwrap(records.first { $0.opcode == 0x0B })
    damagedSummary[summaryStatistics.contentStart] ^= 0x01  // message_count
    XCTAssertThrowsError(try MCAPReader(bytes: damagedSummary)) { error in
      guard case .crcMismatch(what: "summary", _, _, _) = error as? MCAPError else {
        return XCTFail("expected the summary CRC to fail, got \(error)")
      }
    }
  }

  /// Lengths that point past the end, into other records or wrap around must be caught even
  /// with CRCs zeroed, so only structure checks stand between the bytes and a crash.
  func testStructuralDamageWithoutCRCs() throws {
    let recording = try makeRecording(messageCount: 12, chunkSize: 400, maximumSize: 50)
    let records = walkRecords(recording.bytes)
    let chunk = try XCTUnwrap(records.first { $0.opcode == 0x06 })
    let footer = try XCTUnwrap(records.last)

    func withoutCRCs(_ bytes: [UInt8]) -> [UInt8] {
      var bytes = bytes
      for record in walkRecords(bytes) where record.opcode == 0x06 {
        for index in 0..<4 { bytes[record.contentStart + 24 + index] = 0 }
      }
      for index in 0..<4 { bytes[footer.contentStart + 16 + index] = 0 }
      let dataEnd = walkRecords(bytes).first { $0.opcode == 0x0F }!
      for index in 0..<4 { bytes[dataEnd.contentStart + index] = 0 }
      return bytes
    }
    XCTAssertEqual(try MCAPReader(bytes: withoutCRCs(recording.bytes)).messageCount, 12)

    let hugeValues: [UInt64] = [.max, .max - 8, UInt64(Int.max), 1 << 40, 0]
    // Record length, the chunk's records length, the first message's length, and the footer's
    // summary_start, each set to hostile values.
    let fields = [
      chunk.offset + 1, chunk.contentStart + 32, chunk.contentStart + 40 + 1,
      footer.contentStart, footer.contentStart + 8,
    ]
    for field in fields {
      for value in hugeValues {
        var damaged = withoutCRCs(recording.bytes)
        for index in 0..<8 {
          damaged[field + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))
        }
        _ = try? MCAPReader(bytes: damaged).messages()
        _ = try? MCAPReader.recover(bytes: damaged).messages()
      }
    }
  }

  /// Random byte damage (with and without CRCs) never traps.
  func testRandomDamageNeverCrashes() throws {
    let recording = try makeRecording(messageCount: 30, chunkSize: 400, maximumSize: 40)
    var random = SeededGenerator(seed: 99)
    var rejected = 0
    for _ in 0..<3000 {
      var damaged = recording.bytes
      for _ in 0..<(1 + random.next() % 4) {
        let index = Int(random.next() % UInt64(damaged.count))
        damaged[index] = UInt8(truncatingIfNeeded: random.next())
      }
      if random.next() % 4 == 0 {
        damaged.removeLast(Int(random.next() % UInt64(damaged.count)))
      }
      do { _ = try MCAPReader(bytes: damaged).messages() } catch { rejected += 1 }
      _ = try? MCAPReader.recover(bytes: damaged).messages()
    }
    XCTAssertGreaterThan(rejected, 2500)
  }

  func testNotMCAP() {
    XCTAssertThrowsError(
      try MCAPReader(bytes: Array("hello, this is not an mcap file at all....".utf8))
    ) {
      XCTAssertEqual($0 as? MCAPError, .notMCAP)
    }
    XCTAssertThrowsError(try MCAPReader.recover(bytes: [0x89, 0x50, 0x4E, 0x47])) {
      XCTAssertEqual($0 as? MCAPError, .notMCAP)
    }
    XCTAssertThrowsError(try MCAPReader(bytes: [])) {
      XCTAssertEqual($0 as? MCAPError, .truncated(offset: 0, what: "leading magic"))
    }
    let magic: [UInt8] = [0x89, 0x4D, 0x43, 0x41, 0x50, 0x30, 0x0D, 0x0A]
    var random = SeededGenerator(seed: 3)
    for length in [0, 1, 9, 30, 45, 100, 1000] {
      let garbage = magic + (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      XCTAssertThrowsError(try MCAPReader(bytes: garbage + magic))
      _ = try? MCAPReader.recover(bytes: garbage)
    }
  }

  func testMissingTrailingMagicPointsAtRecovery() throws {
    let recording = try makeRecording(messageCount: 5, chunkSize: 4096)
    XCTAssertThrowsError(try MCAPReader(bytes: Array(recording.bytes.dropLast()))) { error in
      XCTAssertEqual(error as? MCAPError, .missingTrailingMagic)
      XCTAssertTrue("\(error)".contains("recover"))
    }
  }
}
