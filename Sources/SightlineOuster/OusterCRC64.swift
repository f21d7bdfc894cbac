/// The CRC-64 in the footer of Ouster lidar packets: ECMA-182 reflected (polynomial
/// 0xC96C5795D7870F42, initial and final value all ones; also known as CRC-64/XZ) over every
/// byte but the last 8, as ouster-sdk's `PacketFormat.calculate_crc` computes it.
///
/// Eight bytes at a time ("slicing by 8"): a byte at a time costs more than decoding the packet.
public enum OusterCRC64 {
  /// `tables[k * 256 + b]`: the CRC of byte b followed by k zero bytes.
  static let tables: [UInt64] = {
    var tables = [UInt64](repeating: 0, count: 8 * 256)
    for index in 0..<256 {
      var crc = UInt64(index)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xC96C_5795_D787_0F42 : crc >> 1 }
      tables[index] = crc
    }
    for slice in 1..<8 {
      for index in 0..<256 {
        let previous = tables[(slice - 1) * 256 + index]
        tables[slice * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
      }
    }
    return tables
  }()

  /// The CRC of `bytes`.
  public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    tables.withUnsafeBufferPointer { table in
      var crc = ~UInt64(0)
      let words = bytes.count / 8
      for word in 0..<words {
        crc ^= UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self))
        crc = fold(crc, table)
      }
      for byte in bytes[(words * 8)...] {
        crc = table[Int(UInt8(truncatingIfNeeded: crc) ^ byte)] ^ (crc >> 8)
      }
      return ~crc
    }
  }

  /// Eight bytes already xor-ed into `crc`, through the eight tables.
  @inline(__always)
  static func fold(_ crc: UInt64, _ table: UnsafeBufferPointer<UInt64>) -> UInt64 {
    var result: UInt64 = 0
    for slice in 0..<8 {
      let byte = Int(truncatingIfNeeded: (crc >> UInt64(8 * slice)) & 0xFF)
      result ^= table[(7 - slice) * 256 + byte]
    }
    return result
  }

  /// The CRC a packet's footer should carry: of all its bytes but the last 8.
  public static func packetChecksum(_ packet: UnsafeRawBufferPointer) -> UInt64 {
    checksum(UnsafeRawBufferPointer(rebasing: packet.dropLast(8)))
  }
}
