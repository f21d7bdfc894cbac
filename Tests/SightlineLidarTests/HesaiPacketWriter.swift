import SightlineHesai
import SightlineLidar

/// Writes Hesai data packets for tests, from the layouts in the Hesai manuals, independently of
/// the decoder's own offsets: header, blocks (azimuth + units), the QT128's body CRC and
/// functional-safety block, the tail, and the optional UDP sequence.
struct HesaiPacketWriter {
  var model: HesaiModel
  var returnMode: UInt8 = 0x37
  var motorRPM: UInt16 = 600
  /// Year byte (as the model counts it), month, day, hour, minute, second.
  var date: [UInt8] = [120, 10, 9, 12, 3, 29]
  var microseconds: UInt32 = 500_000
  var sequence: UInt32? = nil
  var modeFlag: UInt8 = 0
  var distanceUnitMillimetres: UInt8 = 4
  /// Per block, 0.01°.
  var azimuths: [UInt16]
  /// Per block, per channel: raw distance and reflectivity.
  var units: [[(distance: UInt16, reflectivity: UInt8)]]
  var lidarState: UInt8 = 1

  init(model: HesaiModel, returnMode: UInt8 = 0x37, firstAzimuth: UInt16 = 0, step: UInt16 = 20) {
    self.model = model
    self.returnMode = returnMode
    let blocks = Self.blockCount(model)
    let returns =
      [0x39, 0x3A, 0x3B, 0x3C, 0x3E].contains(returnMode) ? 2 : returnMode == 0x3D ? 3 : 1
    azimuths = (0..<blocks).map { UInt16((Int(firstAzimuth) + $0 / returns * Int(step)) % 36000) }
    units = Array(repeating: Array(repeating: (0, 0), count: model.laserCount), count: blocks)
  }

  static func blockCount(_ model: HesaiModel) -> Int {
    switch model {
    case .pandar40P: 10
    case .pandar64, .pandarXT32M: 6
    case .pandarQT64: 4
    case .pandarQT128: 2
    case .pandarXT16, .pandarXT32: 8
    }
  }

  func bytes() -> [UInt8] {
    var out = header()
    for block in azimuths.indices {
      if model == .pandar40P { out += [0xFF, 0xEE] }
      out += le16(azimuths[block])
      for unit in units[block] {
        out += le16(unit.distance) + [unit.reflectivity]
        if model != .pandar40P && model != .pandar64 { out.append(0) }
      }
    }
    if model == .pandarQT128 {
      out += le32(crc32MPEG2(Array(out[12...])))
      out += functionalSafety()
    }
    out += tail()
    if model != .pandarQT128, let sequence { out += le32(sequence) }
    if model == .pandarQT128 { out += [UInt8](repeating: 0, count: 32) }
    return out
  }

  private func header() -> [UInt8] {
    let lasers = UInt8(model.laserCount)
    let blocks = UInt8(azimuths.count)
    switch model {
    case .pandar40P: return []
    case .pandar64: return [0xEE, 0xFF, lasers, blocks, 0, distanceUnitMillimetres, 0, 0]
    case .pandarQT64, .pandarQT128, .pandarXT16, .pandarXT32, .pandarXT32M:
      let version: [UInt8] =
        model == .pandarQT64 ? [3, 1] : model == .pandarQT128 ? [3, 2] : [6, 1]
      return [0xEE, 0xFF] + version + [0, 0, lasers, blocks, 0, distanceUnitMillimetres, 2, 0x1D]
    }
  }

  private func functionalSafety() -> [UInt8] {
    let body: [UInt8] = [lidarState << 5, 0x11, 0x34, 0x12] + [UInt8](repeating: 0, count: 8)
    return [1] + body + le32(crc32MPEG2(body))
  }

  private func tail() -> [UInt8] {
    let micros = le32(microseconds)
    switch model {
    case .pandar40P, .pandar64:
      return zeros(5) + [0] + zeros(2) + le16(motorRPM) + micros + [returnMode, 0x42] + date
    case .pandarQT64:
      return zeros(10) + le16(motorRPM) + micros + [returnMode, 0x42] + date
    case .pandarXT16, .pandarXT32, .pandarXT32M:
      return zeros(10) + [returnMode] + le16(motorRPM) + date + micros + [0x42]
    case .pandarQT128:
      let fields =
        zeros(5) + [modeFlag] + zeros(6) + [returnMode] + le16(motorRPM) + date + micros + [0x42]
        + le32(sequence ?? 0)
      return fields + le32(crc32MPEG2(fields))
    }
  }

  /// The QT128's sizes with the signature; the others without and with the UDP sequence.
  static func sizes(_ model: HesaiModel) -> [Int] {
    switch model {
    case .pandar40P: [1262, 1266]
    case .pandar64: [1194, 1198]
    case .pandarQT64: [1068, 1072]
    case .pandarQT128: [1127]
    case .pandarXT16: [564, 568]
    case .pandarXT32: [1076, 1080]
    case .pandarXT32M: [816, 820]
    }
  }
}

private func zeros(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: count) }
private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }

/// Bit by bit, as the QT128 manual defines it (polynomial 0x04C11DB7, init all ones).
func crc32MPEG2(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte) << 24
    for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
  }
  return crc
}
