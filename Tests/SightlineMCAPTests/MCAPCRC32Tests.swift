import SightlineMCAP
import XCTest

final class MCAPCRC32Tests: XCTestCase {
  /// The standard CRC-32/ISO-HDLC check value (what zlib.crc32 returns).
  func testCheckValue() {
    XCTAssertEqual(MCAPCRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    XCTAssertEqual(MCAPCRC32.checksum([UInt8]()), 0)
    XCTAssertEqual(
      MCAPCRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
  }

  /// The slicing-by-8 path must agree with the bit-at-a-time definition at every length and
  /// alignment, and piecewise updates must equal the whole.
  func testSlicingMatchesBitwiseDefinition() {
    var random = SeededGenerator(seed: 7)
    let data = (0..<300).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    for start in 0..<9 {
      for end in stride(from: start, through: data.count, by: 13) {
        let slice = Array(data[start..<end])
        XCTAssertEqual(MCAPCRC32.checksum(slice), bitwiseCRC32(slice), "bytes \(start)..<\(end)")
      }
    }
    for split in [0, 1, 7, 8, 9, 150, 300] {
      let first = MCAPCRC32.checksum(Array(data[..<split]))
      XCTAssertEqual(MCAPCRC32.update(first, Array(data[split...])), MCAPCRC32.checksum(data))
    }
  }

  private func bitwiseCRC32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }
}
