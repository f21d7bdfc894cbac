// SightlineMCAP chunk compression, reading side: how MCAPReader gets at compressed chunks without
// linking a codec into this pure module. SightlineZstd's ZstdDecompressor reads "zstd" chunks.

/// Decompresses the records of one chunk for `MCAPReader`.
///
/// The input comes from a file and may be damaged or hostile: a conformer must throw, not trap,
/// on anything it cannot decode, and must not allocate more than `uncompressedSize` bytes (plus
/// its own bounded state) whatever the input claims.
public protocol MCAPChunkDecompressor {
  /// The compression name this decompressor reads ("zstd", "lz4").
  var name: String { get }

  /// Replaces `output`'s contents with the decompressed form of `input`, which must be exactly
  /// `uncompressedSize` bytes (the Chunk record's `uncompressed_size`); any other size, or input
  /// that does not decode, throws. The reader reports the error as
  /// `MCAPError.decompressionFailed`.
  func decompress(
    _ input: UnsafeRawBufferPointer, uncompressedSize: Int, into output: inout [UInt8])
    throws
}
