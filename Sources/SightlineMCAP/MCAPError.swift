// SightlineMCAP errors: every misuse of the writer and every defect a reader can find in a file
// is one of these, with enough context (path, errno text, byte offset) to act on from a log line.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What went wrong writing or reading an MCAP recording. Nothing in this module traps on bad
/// input or misuse; it throws one of these instead.
public enum MCAPError: Error, Sendable, Equatable, CustomStringConvertible {
  // MARK: I/O

  /// A system call on a file failed; `errno` is kept so the text names the real cause.
  case io(operation: String, path: String, errno: Int32)
  /// The file output was used after `close()`.
  case fileClosed(path: String)

  // MARK: Writer misuse

  /// `finish()` already wrote the summary and footer; the recording is complete.
  case writerFinished
  /// An earlier write to the output failed, so the file is incomplete; the writer refuses more.
  indirect case writerFailed(MCAPError)
  /// A message or channel named a channel ID the writer never handed out.
  case unknownChannel(UInt16)
  /// A channel named a schema ID the writer never handed out (0 means "no schema" and is fine).
  case unknownSchema(UInt16)
  /// All 65535 IDs of this kind ("schema" or "channel") are taken.
  case tooManyIDs(kind: String)
  /// A string, map or array does not fit its u32 length field.
  case valueTooLarge(field: String, byteCount: Int)
  /// Channel metadata is a map; the same key twice would decode indeterminately.
  case duplicateMetadataKey(String)
  /// Chunk size must be positive.
  case invalidChunkSize(Int)
  /// The writer's chunk compressor (named `compression`) failed; `reason` is its error text.
  case compressionFailed(compression: String, reason: String)

  // MARK: Reader

  /// The bytes do not start with the MCAP magic.
  case notMCAP
  /// The bytes start like MCAP but do not end with the magic: usually a recording cut off
  /// mid-write, which `MCAPReader.recover(bytes:)` can still read.
  case missingTrailingMagic
  /// The file ends inside something; `what` says what was being read.
  case truncated(offset: Int, what: String)
  /// Structure that contradicts the spec, at byte `offset` of the file.
  case malformed(offset: Int, reason: String)
  /// A stored CRC-32 does not match the bytes it covers.
  case crcMismatch(what: String, offset: Int, stored: UInt32, computed: UInt32)
  /// A chunk is compressed with something no decompressor was given for (MCAPReader reads
  /// uncompressed chunks by itself; pass SightlineZstd's ZstdDecompressor for "zstd").
  case unsupportedCompression(String, chunkOffset: Int)
  /// A compressed chunk did not decompress to its stated `uncompressed_size`; `reason` is the
  /// decompressor's error text.
  case decompressionFailed(compression: String, chunkOffset: Int, reason: String)

  public var description: String {
    switch self {
    case .io(let operation, let path, let code):
      return
        "MCAP: \(operation) '\(path)' failed: \(String(cString: strerror(code))) (errno \(code))"
    case .fileClosed(let path):
      return "MCAP: file output '\(path)' was used after close()"
    case .writerFinished:
      return "MCAP: writer already finished; no more schemas, channels or messages"
    case .writerFailed(let cause):
      return "MCAP: writer stopped after an earlier output failure (\(cause))"
    case .unknownChannel(let id):
      return "MCAP: unknown channel id \(id) (add it with addChannel first)"
    case .unknownSchema(let id):
      return "MCAP: unknown schema id \(id) (add it with addSchema first, or use 0 for none)"
    case .tooManyIDs(let kind):
      return "MCAP: no \(kind) ids left (at most 65535 per file)"
    case .valueTooLarge(let field, let byteCount):
      return "MCAP: \(field) is \(byteCount) bytes; its length must fit in 32 bits"
    case .duplicateMetadataKey(let key):
      return "MCAP: channel metadata key '\(key)' given twice"
    case .invalidChunkSize(let size):
      return "MCAP: chunk size must be positive, got \(size)"
    case .compressionFailed(let compression, let reason):
      return "MCAP: '\(compression)' chunk compression failed: \(reason)"
    case .notMCAP:
      return "MCAP: not an MCAP file (missing leading magic \\x89MCAP0\\r\\n)"
    case .missingTrailingMagic:
      return
        "MCAP: missing trailing magic; the recording is probably truncated "
        + "(MCAPReader.recover reads its complete chunks)"
    case .truncated(let offset, let what):
      return "MCAP: file ends at byte \(offset) inside \(what)"
    case .malformed(let offset, let reason):
      return "MCAP: malformed at byte \(offset): \(reason)"
    case .crcMismatch(let what, let offset, let stored, let computed):
      return
        "MCAP: CRC mismatch in \(what) at byte \(offset): stored \(hex(stored)), "
        + "computed \(hex(computed))"
    case .unsupportedCompression(let compression, let chunkOffset):
      return
        "MCAP: chunk at byte \(chunkOffset) uses compression '\(compression)', "
        + "and no decompressor for it was given"
    case .decompressionFailed(let compression, let chunkOffset, let reason):
      return "MCAP: '\(compression)' chunk at byte \(chunkOffset) does not decompress: \(reason)"
    }
  }
}

private func hex(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
