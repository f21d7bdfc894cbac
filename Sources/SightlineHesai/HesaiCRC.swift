/// CRC-32/MPEG-2 (polynomial 0x04C11DB7, initial 0xFFFFFFFF, not reflected, no final XOR): the
/// checksum the QT128 puts after its blocks, in its functional-safety block and in its tail.
/// Checked on the shared capture, where all 1800 packets match.
public enum HesaiCRC {
  static let table: [UInt32] = (0..<256).map { index in
    var crc = UInt32(index) << 24
    for _ in 0..<8 {
      crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1
    }
    return crc
  }

  public static func mpeg2(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    table.withUnsafeBufferPointer { table in
      var crc: UInt32 = 0xFFFF_FFFF
      for byte in bytes {
        crc = (crc << 8) ^ table[Int((crc >> 24) ^ UInt32(byte))]
      }
      return crc
    }
  }
}
