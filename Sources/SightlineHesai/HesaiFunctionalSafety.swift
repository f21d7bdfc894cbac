/// The QT128's functional-safety block (17 bytes after the blocks' CRC): the lidar's state and
/// the fault code it reports, refreshed every 5 ms. Its own CRC covers bytes 1...12 (lidar state
/// through reserved), as the QT128C2X manual says and the shared capture confirms.
public struct HesaiFunctionalSafety: Sendable, Equatable {
  public static let size = 17

  public var version: UInt8
  /// 0 initialising, 1 normal, 2 warning / fault reported, 3 pre-degradation,
  /// 4 performance degradation (nebula: output untrusted from here on), 5 pre-shutdown, ...
  public var lidarState: UInt8
  /// 1 a current fault, 2 a past fault.
  public var faultCodeType: UInt8
  /// Counts fault-message updates; a counter that stops means the fault reporting is stuck.
  public var rollingCounter: UInt8
  public var totalFaultCodes: UInt8
  public var faultCodeID: UInt8
  public var faultCode: UInt16

  /// Whether the sensor says its output may not be trusted (nebula's ERROR severity).
  public var isDegraded: Bool { lidarState >= 4 }

  init(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
    version = bytes[offset]
    let state = bytes[offset + 1]
    lidarState = state >> 5
    faultCodeType = (state >> 3) & 0x3
    rollingCounter = state & 0x7
    totalFaultCodes = bytes[offset + 2] >> 4
    faultCodeID = bytes[offset + 2] & 0xF
    faultCode = UInt16(
      littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 3, as: UInt16.self))
  }

  /// Whether the block's CRC (its last 4 bytes) matches bytes 1...12.
  static func crcMatches(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
    let stored = UInt32(
      littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 13, as: UInt32.self))
    return HesaiCRC.mpeg2(UnsafeRawBufferPointer(rebasing: bytes[(offset + 1)..<(offset + 13)]))
      == stored
  }
}
