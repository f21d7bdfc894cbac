// SightlineZstd compressor: libzstd behind SightlineMCAP's MCAPChunkCompressor, so recordings
// are written with "zstd" chunks as the mcap CLI writes them. A class because it owns a ZSTD_CCtx:
// created once, reused for every chunk (no tables or window rebuilt per chunk), freed in deinit.

import CZstd
import SightlineMCAP

/// Compresses MCAP chunk records with zstd: one frame per chunk, its content size in the frame
/// header (so readers can size their buffer before decoding).
///
/// Not for concurrent use: it holds one compression context, so give each writer its own.
public final class ZstdCompressor: MCAPChunkCompressor {
  /// The zstd level: 1 is fastest; 3 is zstd's (and the mcap CLI's) default; up to 19 (22 with
  /// more memory) compress better and slower; negative levels trade ratio for more speed.
  public let level: Int
  private let context: OpaquePointer

  /// The compression name MCAP records carry.
  public var name: String { "zstd" }

  /// Creates the compression context at `level` (ZSTD_minCLevel()...ZSTD_maxCLevel()).
  public init(level: Int = 3) throws(ZstdError) {
    let levels = Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel())
    guard levels.contains(level) else {
      throw ZstdError(
        operation: "init",
        message: "level \(level) is outside \(levels.lowerBound)...\(levels.upperBound)")
    }
    guard let context = ZSTD_createCCtx() else {
      throw ZstdError(operation: "ZSTD_createCCtx", message: "out of memory")
    }
    let status = ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
    if ZSTD_isError(status) != 0 {
      ZSTD_freeCCtx(context)
      throw ZstdError(
        operation: "ZSTD_CCtx_setParameter", message: String(cString: ZSTD_getErrorName(status)))
    }
    self.level = level
    self.context = context
  }

  deinit { ZSTD_freeCCtx(context) }

  /// Replaces `output` with `input` compressed as one zstd frame. `output` is grown to
  /// ZSTD_compressBound(input.count) (reallocating only the first time it is too small) and
  /// trimmed to the frame, keeping its capacity for the next chunk.
  public func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8])
    throws(ZstdError)
  {
    let bound = try ZstdResult.check(ZSTD_compressBound(input.count), "ZSTD_compressBound")
    output.resizeForOverwrite(bound)
    let context = self.context
    let result = output.withUnsafeMutableBytes { destination in
      Result { () throws(ZstdError) in
        try ZstdResult.check(
          ZSTD_compress2(
            context, destination.baseAddress, destination.count, input.baseAddress, input.count),
          "ZSTD_compress2")
      }
    }
    output.resizeForOverwrite(try result.get())
  }
}
