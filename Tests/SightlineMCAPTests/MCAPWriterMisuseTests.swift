import SightlineMCAP
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An output that fails once it has taken `capacity` bytes, like a full disk.
private struct FailingOutput: MCAPOutput {
  var capacity: Int
  var position: UInt64 = 0

  mutating func write(_ bytes: UnsafeRawBufferPointer) throws(MCAPError) {
    guard Int(position) + bytes.count <= capacity else {
      throw .io(operation: "write", path: "/fake/disk.mcap", errno: ENOSPC)
    }
    position += UInt64(bytes.count)
  }
}

final class MCAPWriterMisuseTests: XCTestCase {
  func testUnknownIDsAreRejected() throws {
    var writer = try MCAPWriter(output: MCAPMemoryOutput())
    XCTAssertThrowsError(try writer.addChannel(schemaID: 1, topic: "/a", messageEncoding: "x")) {
      XCTAssertEqual($0 as? MCAPError, .unknownSchema(1))
    }
    let channel = try writer.addChannel(schemaID: 0, topic: "/a", messageEncoding: "x")
    for bad: UInt16 in [0, channel + 1, .max] {
      XCTAssertThrowsError(
        try writer.addMessage(channelID: bad, sequence: 0, logTime: 0, publishTime: 0, data: [])
      ) { XCTAssertEqual($0 as? MCAPError, .unknownChannel(bad)) }
    }
    XCTAssertThrowsError(
      try writer.addChannel(
        schemaID: 0, topic: "/b", messageEncoding: "x", metadata: [("k", "1"), ("k", "2")])
    ) { XCTAssertEqual($0 as? MCAPError, .duplicateMetadataKey("k")) }
    // The rejected calls wrote nothing: the file is still valid.
    try writer.addMessage(channelID: channel, sequence: 0, logTime: 1, publishTime: 1, data: [9])
    let reader = try MCAPReader(bytes: try writer.finish().bytes)
    XCTAssertEqual(reader.channels.count, 1)
    XCTAssertEqual(try reader.messages().map(\.data), [[9]])
  }

  func testNothingAfterFinish() throws {
    var writer = try MCAPWriter(output: MCAPMemoryOutput())
    let channel = try writer.addChannel(schemaID: 0, topic: "/a", messageEncoding: "x")
    let bytes = try writer.finish().bytes
    XCTAssertThrowsError(
      try writer.addMessage(channelID: channel, sequence: 0, logTime: 0, publishTime: 0, data: [])
    ) { XCTAssertEqual($0 as? MCAPError, .writerFinished) }
    XCTAssertThrowsError(try writer.addSchema(name: "s", encoding: "", data: [])) {
      XCTAssertEqual($0 as? MCAPError, .writerFinished)
    }
    XCTAssertThrowsError(try writer.addChannel(schemaID: 0, topic: "/b", messageEncoding: "")) {
      XCTAssertEqual($0 as? MCAPError, .writerFinished)
    }
    XCTAssertThrowsError(try writer.finish()) { XCTAssertEqual($0 as? MCAPError, .writerFinished) }
    XCTAssertNoThrow(try MCAPReader(bytes: bytes))
  }

  func testInvalidChunkSize() {
    XCTAssertThrowsError(try MCAPWriter(output: MCAPMemoryOutput(), chunkSize: 0)) {
      XCTAssertEqual($0 as? MCAPError, .invalidChunkSize(0))
    }
  }

  /// After the output fails, the writer reports the original failure and writes nothing more.
  func testOutputFailureStopsTheWriter() throws {
    var writer = try MCAPWriter(output: FailingOutput(capacity: 200), chunkSize: 64)
    let channel = try writer.addChannel(schemaID: 0, topic: "/a", messageEncoding: "x")
    let diskFull = MCAPError.io(operation: "write", path: "/fake/disk.mcap", errno: ENOSPC)
    var firstError: MCAPError?
    for sequence in 0..<20 {
      do {
        try writer.addMessage(
          channelID: channel, sequence: UInt32(sequence), logTime: 0, publishTime: 0,
          data: [UInt8](repeating: 1, count: 50))
      } catch {
        firstError = error
        break
      }
    }
    XCTAssertEqual(firstError, diskFull)
    XCTAssertTrue("\(diskFull)".contains("No space left on device"))
    XCTAssertThrowsError(try writer.finish()) {
      XCTAssertEqual($0 as? MCAPError, .writerFailed(diskFull))
    }
  }

  func testFileErrorsNameThePathAndCause() throws {
    let path = "/nonexistent-sightline-dir/recording.mcap"
    XCTAssertThrowsError(try MCAPFileOutput(path: path)) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains(path), text)
      XCTAssertTrue(text.contains("No such file or directory"), text)
    }
    XCTAssertThrowsError(try MCAPReader(path: path)) { error in
      XCTAssertTrue("\(error)".contains(path))
    }

    let closedPath = "/tmp/sightline-mcap-closed-\(getpid()).mcap"
    defer { unlink(closedPath) }
    let file = try MCAPFileOutput(path: closedPath)
    try file.close()
    try file.close()  // harmless
    XCTAssertThrowsError(try MCAPWriter(output: file)) {
      XCTAssertEqual($0 as? MCAPError, .fileClosed(path: closedPath))
    }
  }

  func testEveryErrorDescribesItself() {
    let errors: [MCAPError] = [
      .io(operation: "open", path: "/x", errno: EACCES), .fileClosed(path: "/x"), .writerFinished,
      .writerFailed(.writerFinished), .unknownChannel(3), .unknownSchema(4),
      .tooManyIDs(kind: "schema"), .valueTooLarge(field: "topic", byteCount: 1 << 33),
      .duplicateMetadataKey("k"), .invalidChunkSize(-1), .notMCAP, .missingTrailingMagic,
      .truncated(offset: 5, what: "Chunk"), .malformed(offset: 6, reason: "bad"),
      .crcMismatch(what: "chunk", offset: 7, stored: 0xABCD, computed: 1),
      .unsupportedCompression("lz4", chunkOffset: 8),
      .compressionFailed(compression: "zstd", reason: "r"),
      .decompressionFailed(compression: "zstd", chunkOffset: 9, reason: "r"),
    ]
    for error in errors {
      XCTAssertTrue(error.description.hasPrefix("MCAP: "), error.description)
    }
    XCTAssertTrue(
      MCAPError.io(operation: "open", path: "/x", errno: EACCES).description.contains(
        "Permission denied"))
    XCTAssertTrue(
      MCAPError.crcMismatch(what: "chunk", offset: 7, stored: 0xABCD, computed: 1).description
        .contains("0x0000abcd"))
  }
}
