// ZstdCompressor and ZstdDecompressor on their own: round trips, reused buffers, levels, and
// every kind of bad input the decompressor can be handed from a damaged file (a thrown ZstdError
// with libzstd's reason, never a crash).

import CZstd
import SightlineMCAP
import SightlineZstd
import XCTest

final class ZstdCodecTests: XCTestCase {
  private func compressible(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 / 64 % 7) }
  }

  private func random(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 33)
    }
  }

  private func compress(_ input: [UInt8], level: Int = 3) throws -> [UInt8] {
    var output: [UInt8] = []
    try input.withUnsafeBytes { try ZstdCompressor(level: level).compress($0, into: &output) }
    return output
  }

  private func decompress(_ input: [UInt8], size: Int) throws -> [UInt8] {
    var output: [UInt8] = [1, 2, 3]  // replaced, not appended to
    try input.withUnsafeBytes {
      try ZstdDecompressor().decompress($0, uncompressedSize: size, into: &output)
    }
    return output
  }

  private func assertZstdError(
    _ body: @autoclosure () throws -> some Any, contains text: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
      guard let error = error as? ZstdError else {
        return XCTFail("not a ZstdError: \(error)", file: file, line: line)
      }
      XCTAssertTrue(
        error.description.contains(text), "\(error) lacks '\(text)'", file: file, line: line)
    }
  }

  func testRoundTrips() throws {
    for input in [[], [42], random(1000), compressible(1 << 18), random(100_000)] {
      for level in [-5, 1, 3, 19] {
        let compressed = try compress(input, level: level)
        XCTAssertEqual(try decompress(compressed, size: input.count), input, "level \(level)")
      }
    }
    let big = compressible(1 << 20)
    XCTAssertLessThan(try compress(big).count * 50, big.count)
    XCTAssertEqual(try ZstdCompressor().name, "zstd")
    XCTAssertEqual(try ZstdDecompressor().name, "zstd")
    XCTAssertEqual(try ZstdCompressor().level, 3)
  }

  /// Once grown, the output buffers are reused: same storage for every later chunk.
  func testBuffersAreReused() throws {
    let compressor = try ZstdCompressor()
    let decompressor = try ZstdDecompressor()
    let input = compressible(1 << 18)
    var compressed: [UInt8] = []
    var decompressed: [UInt8] = []
    var compressedBase: UnsafeRawPointer?
    var decompressedBase: UnsafeRawPointer?
    for round in 0..<4 {
      try input.withUnsafeBytes { try compressor.compress($0, into: &compressed) }
      try compressed.withUnsafeBytes {
        try decompressor.decompress($0, uncompressedSize: input.count, into: &decompressed)
      }
      XCTAssertEqual(decompressed, input)
      let bases = (
        compressed.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) },
        decompressed.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
      )
      if round > 0 {
        XCTAssertEqual(bases.0, compressedBase, "round \(round)")
        XCTAssertEqual(bases.1, decompressedBase, "round \(round)")
      }
      (compressedBase, decompressedBase) = bases
    }
  }

  func testLevelsOutsideTheRangeThrow() {
    assertZstdError(try ZstdCompressor(level: 1000), contains: "level 1000")
    assertZstdError(try ZstdCompressor(level: Int(ZSTD_minCLevel()) - 1), contains: "outside")
  }

  func testGarbageThrowsWithLibzstdsReason() {
    let garbage = random(500, seed: 9)
    assertZstdError(try decompress(garbage, size: 500), contains: "not a zstd frame")
    // A valid magic with a garbage frame behind it gets past the header check to libzstd.
    let badFrame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00] + random(64, seed: 3)
    assertZstdError(
      try decompress(badFrame, size: 1000), contains: "ZSTD_decompressStream failed: ")
    assertZstdError(try decompress([], size: 10), contains: "no input")
    XCTAssertEqual(try decompress([], size: 0), [])
  }

  func testWrongSizesAndTruncationThrow() throws {
    let input = compressible(100_000)
    let compressed = try compress(input)
    assertZstdError(try decompress(compressed, size: input.count - 1), contains: "more than")
    assertZstdError(try decompress(compressed, size: input.count + 1), contains: "not 100001")
    assertZstdError(try decompress(compressed, size: Int.max), contains: "decompresses to")
    assertZstdError(try decompress(compressed, size: -1), contains: "negative")
    assertZstdError(
      try decompress(Array(compressed.dropLast(3)), size: input.count), contains: "ends inside")
    assertZstdError(
      try decompress(compressed + [1, 2, 3, 4, 5, 6], size: input.count),
      contains: "Unknown frame descriptor")
  }

  /// Frames without a content size (streaming writers) and several frames back to back (the
  /// spec allows either) decode too, growing the buffer only as bytes come out.
  func testUnknownSizeAndConcatenatedFrames() throws {
    let first = random(70_000, seed: 4)
    let second = compressible(500_000)
    let streamed = try compressWithoutContentSize(second)
    XCTAssertEqual(
      ZSTD_getFrameContentSize(streamed, streamed.count), UInt64.max, "no content size")
    XCTAssertEqual(try decompress(streamed, size: second.count), second)
    assertZstdError(try decompress(streamed, size: Int.max), contains: "decompresses to 500000")
    assertZstdError(try decompress(streamed, size: 1000), contains: "more than")

    let both = try compress(first) + streamed
    XCTAssertEqual(try decompress(both, size: first.count + second.count), first + second)
  }

  private func compressWithoutContentSize(_ input: [UInt8]) throws -> [UInt8] {
    let context = try XCTUnwrap(ZSTD_createCCtx())
    defer { ZSTD_freeCCtx(context) }
    XCTAssertEqual(ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0)), 0)
    var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
    let written = output.withUnsafeMutableBytes { destination in
      input.withUnsafeBytes { source in
        ZSTD_compress2(
          context, destination.baseAddress, destination.count, source.baseAddress, source.count)
      }
    }
    XCTAssertEqual(ZSTD_isError(written), 0)
    return Array(output[..<written])
  }
}
