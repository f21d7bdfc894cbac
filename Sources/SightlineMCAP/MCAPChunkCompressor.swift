// SightlineMCAP chunk compression, writing side. The module stays pure (no C libraries): a codec
// is handed in through this protocol, and SightlineZstd's ZstdCompressor is the one Sightline
// uses ("zstd", as the mcap CLI writes by default).

/// Compresses the records of one chunk for `MCAPWriter`.
///
/// Conformers may keep state between chunks (a reused codec context); the writer owns its
/// compressor and calls it for one chunk at a time, so a conformer needs no locking.
public protocol MCAPChunkCompressor {
  /// The compression name Chunk and Chunk Index records carry: "zstd" or "lz4" in the spec's
  /// registry. Must be non-empty ("" means uncompressed).
  var name: String { get }

  /// Replaces `output`'s contents with the compressed form of `input` (the whole chunk records,
  /// one call per chunk). Reuses `output`'s storage: a writer that keeps one buffer allocates
  /// nothing per chunk once the buffer has grown. Throws on failure; the writer reports it as
  /// `MCAPError.compressionFailed`.
  mutating func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws
}
