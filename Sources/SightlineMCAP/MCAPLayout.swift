// SightlineMCAP: MCAP recording writer/reader (https://mcap.dev/spec), pure: bytes go out
// through an MCAPOutput and come back in as [UInt8]; MCAPFileOutput and the path readers are the
// only I/O. The writer buffers messages into chunks (compressed by an MCAPChunkCompressor it is
// handed, e.g. SightlineZstd's), indexes them, and closes the file with a summary (schemas,
// channels, statistics, chunk indexes, summary offsets) so standard MCAP tools can seek in it. The
// reader validates everything it touches and can recover the complete chunks of a recording that
// was cut off mid-write.

/// Fixed sizes from the spec, named so offsets in the code explain themselves.
enum MCAPLayout {
  /// `\x89 M C A P 0 \r \n`: starts and ends every MCAP file (0x30 is major version "0").
  static let magic: [UInt8] = [0x89, 0x4D, 0x43, 0x41, 0x50, 0x30, 0x0D, 0x0A]
  /// Opcode (u8) + content length (u64) in front of every record.
  static let recordPrefixSize = 9
  /// Footer content: summary_start u64, summary_offset_start u64, summary_crc u32.
  static let footerContentSize = 20
  /// Whole footer record, prefix included.
  static let footerRecordSize = recordPrefixSize + footerContentSize
  /// Message content before the payload: channel_id u16, sequence u32, log_time u64,
  /// publish_time u64.
  static let messageFixedSize = 22
  /// Chunk content before `records` when compression is "": start u64, end u64,
  /// uncompressed_size u64, uncompressed_crc u32, compression length u32, records length u64.
  static let chunkFixedSize = 40
  /// One Message Index entry: log_time u64 + offset u64.
  static let messageIndexEntrySize = 16
  /// Smallest well-formed file: magic, empty Header, Footer, magic.
  static let minimumFileSize = 8 + recordPrefixSize + 8 + footerRecordSize + 8
}
