// SightlineZstd decompressor: libzstd behind SightlineMCAP's MCAPChunkDecompressor, so the reader
// opens "zstd" chunks. A class because it owns a ZSTD_DCtx, reused for every chunk and freed in
// deinit. Its input comes from files, so it decodes as a stream into a buffer that grows only as
// bytes actually come out, capped at the size the chunk states: a damaged size or frame is a
// thrown ZstdError, never a crash or a huge allocation.

import CZstd
import SightlineMCAP

/// Decompresses zstd MCAP chunk records (one or more frames) to exactly their stated size.
///
/// Not for concurrent use: it holds one decompression context.
public final class ZstdDecompressor: MCAPChunkDecompressor {
  private let context: OpaquePointer

  /// The compression name MCAP records carry.
  public var name: String { "zstd" }

  public init() throws(ZstdError) {
    guard let context = ZSTD_createDCtx() else {
      throw ZstdError(operation: "ZSTD_createDCtx", message: "out of memory")
    }
    self.context = context
  }

  deinit { ZSTD_freeDCtx(context) }

  /// Replaces `output` with `input` decompressed. Throws if `input` is not zstd, is cut off,
  /// or decompresses to anything but `uncompressedSize` bytes. `output`'s storage is reused.
  public func decompress(
    _ input: UnsafeRawBufferPointer, uncompressedSize: Int, into output: inout [UInt8]
  ) throws(ZstdError) {
    func failure(_ message: String) -> ZstdError {
      ZstdError(operation: "decompress", message: message)
    }
    guard uncompressedSize >= 0 else { throw failure("negative size \(uncompressedSize)") }
    output.removeAll(keepingCapacity: true)
    guard !input.isEmpty else {
      if uncompressedSize == 0 { return }
      throw failure("no input, but \(uncompressedSize) bytes expected")
    }
    // The first frame's header: refuse a frame that says it is too big before allocating.
    let frameSize = ZSTD_getFrameContentSize(input.baseAddress, input.count)
    let contentSizeUnknown = UInt64.max
    let contentSizeError = UInt64.max - 1
    if frameSize == contentSizeError { throw failure("the input is not a zstd frame") }
    if frameSize != contentSizeUnknown, frameSize > UInt64(uncompressedSize) {
      throw failure(
        "the frame holds \(frameSize) bytes, more than the \(uncompressedSize) expected")
    }
    let guess = frameSize != contentSizeUnknown ? Int(frameSize) : max(1 << 16, input.count * 4)
    output.resizeForOverwrite(min(uncompressedSize, guess))
    _ = try ZstdResult.check(
      ZSTD_DCtx_reset(context, ZSTD_reset_session_only), "ZSTD_DCtx_reset")

    var consumed = 0
    var produced = 0
    while true {
      if produced == output.count, output.count < uncompressedSize {
        output.resizeForOverwrite(min(uncompressedSize, max(output.count * 2, 1 << 16)))
      }
      let (hint, inputPosition, outputPosition) = try step(input, consumed, &output, produced)
      let progressed = inputPosition != consumed || outputPosition != produced
      consumed = inputPosition
      produced = outputPosition
      if hint == 0, consumed == input.count { break }  // every frame complete
      if !progressed {
        throw failure(
          produced == uncompressedSize
            ? "the data decompresses to more than the \(uncompressedSize) bytes expected"
            : "the data ends inside a frame after \(produced) bytes")
      }
    }
    guard produced == uncompressedSize else {
      throw failure("the data decompresses to \(produced) bytes, not \(uncompressedSize)")
    }
    output.resizeForOverwrite(produced)
  }

  /// One ZSTD_decompressStream call from the given positions; returns its hint (0 when a frame
  /// is complete and flushed) and the new positions.
  private func step(
    _ input: UnsafeRawBufferPointer, _ consumed: Int, _ output: inout [UInt8], _ produced: Int
  ) throws(ZstdError) -> (hint: Int, consumed: Int, produced: Int) {
    let context = self.context
    let result = output.withUnsafeMutableBytes { destination in
      Result { () throws(ZstdError) in
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: consumed)
        var target = ZSTD_outBuffer(
          dst: destination.baseAddress, size: destination.count, pos: produced)
        let hint = try ZstdResult.check(
          ZSTD_decompressStream(context, &target, &source), "ZSTD_decompressStream")
        return (hint, source.pos, target.pos)
      }
    }
    return try result.get()
  }
}
