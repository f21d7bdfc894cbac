// SightlineMCAP: MCAP recording writer/reader (https://mcap.dev/spec), pure: bytes go out
// through an MCAPOutput and come back in as [UInt8]; MCAPFileOutput and the path readers are the
// only I/O. The writer buffers messages into uncompressed chunks, indexes them, and closes the file
// with a summary (schemas, channels, statistics, chunk indexes, summary offsets) so standard MCAP
// tools can seek in it. The reader validates everything it touches and can recover the complete
// chunks of a recording that was cut off mid-write.

/// Record opcodes from the MCAP spec. Only the ones this module writes or reads by name.
enum MCAPOpcode {
  static let header: UInt8 = 0x01
  static let footer: UInt8 = 0x02
  static let schema: UInt8 = 0x03
  static let channel: UInt8 = 0x04
  static let message: UInt8 = 0x05
  static let chunk: UInt8 = 0x06
  static let messageIndex: UInt8 = 0x07
  static let chunkIndex: UInt8 = 0x08
  static let statistics: UInt8 = 0x0B
  static let summaryOffset: UInt8 = 0x0E
  static let dataEnd: UInt8 = 0x0F
}

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

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum zlib's `crc32` computes
/// and MCAP uses for chunks, the data section and the summary. Slicing-by-8, so checksumming
/// every chunk costs little next to writing it.
public enum MCAPCRC32 {
  /// Checksum of `bytes` alone.
  public static func checksum(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { update(0, $0) }
  }

  /// Checksum of `bytes` alone.
  public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { update(0, bytes) }

  /// Continues a checksum: `update(checksum(a), b) == checksum(a + b)`, like zlib's
  /// `crc32(crc, buf, len)`, so large sections can be checksummed piece by piece.
  public static func update(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { update(crc, $0) }
  }

  /// Continues a checksum over raw bytes (see `update(_:_:)` for arrays).
  public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var value = ~crc
    table.withUnsafeBufferPointer { table in
      var index = 0
      let count = bytes.count
      while count - index >= 8 {
        let low =
          UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self))
          ^ value
        let high = UInt32(
          littleEndian: bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
        value =
          table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
          ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
          ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
          ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
        index += 8
      }
      while index < count {
        value = table[Int((value ^ UInt32(bytes[index])) & 0xFF)] ^ (value >> 8)
        index += 1
      }
    }
    return ~value
  }

  /// Eight 256-entry tables: table k maps a byte to its CRC contribution k bytes further on.
  private static let table: [UInt32] = {
    var table = [UInt32](repeating: 0, count: 8 * 256)
    for byte in 0..<256 {
      var value = UInt32(byte)
      for _ in 0..<8 { value = (value & 1) != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
      table[byte] = value
    }
    for slice in 1..<8 {
      for byte in 0..<256 {
        let previous = table[(slice - 1) * 256 + byte]
        table[slice * 256 + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
      }
    }
    return table
  }()
}

/// Little-endian appends onto a byte buffer; the writer's only way of building records.
extension Array where Element == UInt8 {
  @inline(__always) mutating func appendLittleEndian(_ value: UInt16) {
    append(UInt8(truncatingIfNeeded: value))
    append(UInt8(truncatingIfNeeded: value >> 8))
  }

  @inline(__always) mutating func appendLittleEndian(_ value: UInt32) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  @inline(__always) mutating func appendLittleEndian(_ value: UInt64) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  /// Opcode + content length: the prefix of every record.
  @inline(__always) mutating func appendRecordPrefix(_ opcode: UInt8, contentLength: UInt64) {
    append(opcode)
    appendLittleEndian(contentLength)
  }

  /// u32 byte length + UTF-8 bytes. Callers check the length fits (`MCAPWriter` does on entry).
  mutating func appendPrefixedString(_ string: String) {
    var string = string
    string.withUTF8 { utf8 in
      appendLittleEndian(UInt32(truncatingIfNeeded: utf8.count))
      append(contentsOf: utf8)
    }
  }

  /// Overwrites 8 bytes at `offset`: lengths known only after the content is built.
  mutating func overwriteLittleEndian(_ value: UInt64, at offset: Int) {
    for byteIndex in 0..<8 {
      self[offset + byteIndex] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byteIndex)))
    }
  }
}
