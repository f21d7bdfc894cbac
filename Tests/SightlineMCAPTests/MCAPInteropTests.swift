// Files from the official Python writer, and a hook to hand one of ours to the Python reader.

import SightlineMCAP
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

final class MCAPInteropTests: XCTestCase {
  /// Python's writer puts Schema and Channel records inside chunks and computes a data CRC.
  func testReadsPythonWrittenFile() throws {
    let reader = try MCAPReader(bytes: PythonFixtures.uncompressed)
    XCTAssertEqual(reader.profile, "x-test")
    XCTAssertEqual(reader.library, "python-fixture")
    XCTAssertEqual(reader.schemas.count, 1)
    XCTAssertEqual(reader.schemas[1]?.name, "pose")
    XCTAssertEqual(reader.schemas[1]?.data, Array(#"{"type":"object"}"#.utf8))
    XCTAssertEqual(reader.channels.values.map(\.topic).sorted(), ["/a", "/b"])
    XCTAssertEqual(reader.channels.values.first { $0.topic == "/a" }?.metadata, ["k": "v"])

    let messages = try reader.messages()
    XCTAssertEqual(messages.map(\.logTime), [600, 800, 900, 1000, 5000])
    XCTAssertEqual(messages.map(\.sequence), [4, 2, 1, 0, 3])
    XCTAssertEqual(messages.map(\.topic), ["/a", "/a", "/b", "/a", "/b"])
    XCTAssertEqual(messages.map(\.publishTime), [11, 9, 8, 7, 10])
    XCTAssertEqual(messages.first?.data, Array(#"{"i":4}"#.utf8))
    XCTAssertEqual(try reader.messages(topic: "/b", order: .file).map(\.sequence), [1, 3])

    let statistics = try XCTUnwrap(reader.statistics)
    XCTAssertEqual(statistics.messageCount, 5)
    XCTAssertEqual(statistics.messageStartTime, 600)
    XCTAssertEqual(statistics.messageEndTime, 5000)
    XCTAssertEqual(Int(statistics.chunkCount), reader.chunkIndexes.count)

    let recovered = try MCAPReader.recover(bytes: PythonFixtures.uncompressed)
    XCTAssertEqual(try recovered.messages(), messages)
  }

  /// Compressed chunks: the summary is still readable, messages give a clear error.
  func testCompressedChunksGiveAClearError() throws {
    let reader = try MCAPReader(bytes: PythonFixtures.zstd)
    XCTAssertEqual(reader.statistics?.messageCount, 5)
    XCTAssertEqual(reader.channels.count, 2)
    XCTAssertThrowsError(try reader.messages()) { error in
      guard case .unsupportedCompression("zstd", _) = error as? MCAPError else {
        return XCTFail("got \(error)")
      }
      XCTAssertTrue("\(error)".contains("zstd"))
    }
  }

  /// Writes the standard 1000-message recording to $SIGHTLINE_MCAP_ORACLE_OUT, and what it should
  /// contain to the same path + ".expected" (one "topic log_time publish_time sequence hex" line
  /// per message), so the official Python reader can check it. Skipped otherwise.
  func testWriteFileForPythonOracle() throws {
    guard let path = getenv("SIGHTLINE_MCAP_ORACLE_OUT").map({ String(cString: $0) }) else {
      throw XCTSkip("set SIGHTLINE_MCAP_ORACLE_OUT to write a file for the Python reader")
    }
    let recording = try makeRecording(messageCount: 1000, chunkSize: 2048)
    let file = try MCAPFileOutput(path: path)
    try recording.bytes.withUnsafeBytes { try file.write($0) }
    try file.close()

    var expected = ""
    for message in recording.messages {
      let hex = message.data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
      expected +=
        "\(message.topic) \(message.logTime) \(message.publishTime) \(message.sequence) \(hex)\n"
    }
    let expectedFile = try MCAPFileOutput(path: path + ".expected")
    try Array(expected.utf8).withUnsafeBytes { try expectedFile.write($0) }
    try expectedFile.close()
  }
}
