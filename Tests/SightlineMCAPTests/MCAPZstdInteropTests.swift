// The official reader on our zstd recordings: the Python `mcap` package (with `zstandard`) in
// the repository's .venv (Tools/setup.sh --test) reads every message back with the right bytes,
// validating chunk and data section CRCs, and its summary says the chunks are "zstd". Runs in a
// plain `swift test`, and fails (not skips) without the interpreter.

import Foundation
import SightlineMCAP
import SightlineZstd
import XCTest

private let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Prints one line per message (make_reader, CRCs validated), per summary Chunk Index, and per
/// Chunk record (StreamReader, CRCs validated).
private let pythonReader = """
  import sys
  from mcap.reader import make_reader
  from mcap.records import Chunk
  from mcap.stream_reader import StreamReader

  path = sys.argv[1]
  with open(path, "rb") as f:
      reader = make_reader(f, validate_crcs=True)
      for _, channel, message in reader.iter_messages(log_time_order=False):
          print("message", channel.topic, message.log_time, message.publish_time,
                message.sequence, message.data.hex())
      for index in reader.get_summary().chunk_indexes:
          print("index", index.compression, index.compressed_size, index.uncompressed_size)
  for record in StreamReader(path, emit_chunks=True, validate_crcs=True).records:
      if isinstance(record, Chunk):
          print("chunk", record.compression, len(record.data), record.uncompressed_size)
  """

final class MCAPZstdInteropTests: XCTestCase {
  func testOfficialPythonReaderReadsZstdChunks() throws {
    let python = repositoryRoot.appendingPathComponent(".venv/bin/python").path
    guard FileManager.default.isExecutableFile(atPath: python) else {
      return XCTFail("\(python) is missing: run Tools/setup.sh --test")
    }
    let recording = try makeRecording(
      messageCount: 400, chunkSize: 8192, compression: ZstdCompressor(), compressible: true)
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("sightline-zstd-interop-\(getpid()).mcap").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data(recording.bytes).write(to: URL(fileURLWithPath: path))

    let lines = try run(python, ["-c", pythonReader, path])
    let reader = try MCAPReader(bytes: recording.bytes, decompressors: [ZstdDecompressor()])

    // Every message, with its bytes (the Python reader's order is its own: compare as sets).
    let expected = recording.messages.map { message in
      let hex = message.data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
      return "message \(message.topic) \(message.logTime) \(message.publishTime) "
        + "\(message.sequence) \(hex)"
    }
    let messages = lines.filter { $0.hasPrefix("message ") }
    XCTAssertEqual(messages.count, recording.messages.count)
    XCTAssertEqual(Set(messages), Set(expected))

    // The summary's chunk indexes say "zstd" and give our sizes; the chunks agree.
    let indexes = lines.filter { $0.hasPrefix("index ") }
    XCTAssertGreaterThan(indexes.count, 5)
    XCTAssertEqual(
      indexes,
      reader.chunkIndexes.map { "index zstd \($0.compressedSize) \($0.uncompressedSize)" })
    let chunks = lines.filter { $0.hasPrefix("chunk ") }
    XCTAssertEqual(chunks, indexes.map { "chunk" + $0.dropFirst("index".count) })
    XCTAssertTrue(reader.chunkIndexes.allSatisfy { $0.compressedSize < $0.uncompressedSize })
  }

  /// Runs a process to completion; its stdout lines, or a failure with its stderr.
  private func run(_ executable: String, _ arguments: [String]) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(
      process.terminationStatus, 0,
      "the Python reader failed: \(String(decoding: stderr, as: UTF8.self))")
    return String(decoding: stdout, as: UTF8.self).split(separator: "\n").map(String.init)
  }
}
