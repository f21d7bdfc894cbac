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
