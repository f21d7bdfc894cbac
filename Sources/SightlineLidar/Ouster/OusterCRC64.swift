/// The CRC-64 in the footer of Ouster lidar packets: ECMA-182 reflected (polynomial
/// 0xC96C5795D7870F42, initial and final value all ones; also known as CRC-64/XZ) over every
/// byte but the last 8, as ouster-sdk's `PacketFormat.calculate_crc` computes it.
public enum OusterCRC64 {
  static let table: [UInt64] = (0..<256).map { index in
    var crc = UInt64(index)
    for _ in 0..<8 {
      crc = crc & 1 == 1 ? (crc >> 1) ^ 0xC96C_5795_D787_0F42 : crc >> 1
    }
    return crc
  }

  /// The CRC of `bytes`.
  public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    table.withUnsafeBufferPointer { table in
      var crc = ~UInt64(0)
      for byte in bytes {
        crc = table[Int(UInt8(truncatingIfNeeded: crc) ^ byte)] ^ (crc >> 8)
      }
      return ~crc
    }
  }

  /// The CRC a packet's footer should carry: of all its bytes but the last 8.
  public static func packetChecksum(_ packet: UnsafeRawBufferPointer) -> UInt64 {
    checksum(UnsafeRawBufferPointer(rebasing: packet.dropLast(8)))
  }
}
