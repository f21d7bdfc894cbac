/// Where each field of one model's data packet lies. Hesai packets are recognised by structure:
/// Pandar40P has no header (its blocks start `FF EE`); every other model starts `EE FF`, then
/// Pandar64 gives laser_num and block_num at once (an 8-byte header), and the newer ones a
/// protocol version (bytes 2–3) before laser_num (6), block_num (7), dis_unit (9), return_num
/// (10) and flags (11). Offsets are nebula's packet structs, checked on the shared captures.
public struct HesaiPacketFormat: Sendable, Equatable {
  public let model: HesaiModel
  /// The header's protocol version ("3.1"), or the layout's name for the two models without one.
  public let protocolVersion: String
  /// Bytes 2 and 3 of the `EE FF` header (0 for the models without a version).
  let protocolMajor: UInt8
  let protocolMinor: UInt8
  public let headerSize: Int
  public let blockCount: Int
  /// 4 with the 40P's start-of-block marker before the azimuth, 2 otherwise.
  let blockPrefix: Int
  /// Distance (2 bytes), reflectivity (1), then nothing (3) or a confidence byte (4).
  let unitSize: Int
  /// QT128: a CRC of the blocks, then the 17-byte functional-safety block.
  let hasBodyCRC: Bool
  let safetySize: Int
  let tail: HesaiTailLayout
  /// The payload sizes this model sends: without and with the optional UDP sequence (or, for the
  /// QT128, without and with the 32-byte signature nebula ignores). Two plain values, so that a
  /// format (and a packet) is copied without reference counting.
  public let smallestSize: Int
  public let largestSize: Int

  public var laserCount: Int { model.laserCount }
  public var blockSize: Int { blockPrefix + laserCount * unitSize }
  /// Where the blocks end (the QT128's body CRC follows).
  public var bodyEnd: Int { headerSize + blockCount * blockSize }
  /// Where the functional-safety block starts (QT128), or the tail for the other models.
  public var safetyStart: Int { bodyEnd + (hasBodyCRC ? 4 : 0) }
  public var tailStart: Int { safetyStart + safetySize }
  public var sizes: [Int] { [smallestSize, largestSize] }

  /// Where block `block`'s azimuth (uint16, 0.01°) lies.
  @inline(__always) public func azimuthOffset(block: Int) -> Int {
    headerSize + block * blockSize + blockPrefix - 2
  }

  /// Where the measurement of `channel` (0-based) in `block` lies.
  @inline(__always) public func unitOffset(block: Int, channel: Int) -> Int {
    headerSize + block * blockSize + blockPrefix + channel * unitSize
  }

  /// Where the tail's CRC lies (QT128), covering the tail before it.
  public var tailCRCOffset: Int? { tail.crc.map { tailStart + $0 } }

  /// The UDP sequence's offset in a payload of `size` bytes, if it carries one.
  public func sequenceOffset(payloadSize size: Int) -> Int? {
    if let inTail = tail.sequence { return tailStart + inTail }
    let afterTail = tailStart + tail.size
    return size >= afterTail + 4 ? afterTail : nil
  }
}

/// The tail's fields, as offsets from its start.
struct HesaiTailLayout: Sendable, Equatable {
  var size: Int
  var returnMode: Int
  var motorSpeed: Int
  var dateTime: Int
  var timestamp: Int
  var modeFlag: Int? = nil
  /// In the tail itself (QT128); the other models append it after the tail, if at all.
  var sequence: Int? = nil
  var crc: Int? = nil

  /// Pandar40P and Pandar64: reserved (5), high temperature (1), reserved (2), motor speed,
  /// µs timestamp, return mode, factory byte, date and time.
  static let pandar = HesaiTailLayout(
    size: 22, returnMode: 14, motorSpeed: 8, dateTime: 16, timestamp: 10)
  /// QT64: reserved (10), motor speed, µs timestamp, return mode, factory byte, date and time.
  static let qt64 = HesaiTailLayout(
    size: 24, returnMode: 16, motorSpeed: 10, dateTime: 18, timestamp: 12)
  /// XT16/32/32M: reserved (10), return mode, motor speed, date and time, µs timestamp, factory.
  static let xt = HesaiTailLayout(
    size: 24, returnMode: 10, motorSpeed: 11, dateTime: 13, timestamp: 19)
  /// QT128 (C2X): reserved (5), mode flag, reserved (6), return mode, motor speed, date and
  /// time, µs timestamp, factory byte, UDP sequence, CRC of the tail.
  static let qt128 = HesaiTailLayout(
    size: 34, returnMode: 12, motorSpeed: 13, dateTime: 15, timestamp: 21, modeFlag: 5,
    sequence: 26, crc: 30)
}

extension HesaiPacketFormat {
  public static let pandar40P = HesaiPacketFormat(
    model: .pandar40P, protocolVersion: "no header", protocolMajor: 0, protocolMinor: 0,
    headerSize: 0, blockCount: 10,
    blockPrefix: 4, unitSize: 3, hasBodyCRC: false, safetySize: 0, tail: .pandar,
    smallestSize: 1262, largestSize: 1266)
  public static let pandar64 = HesaiPacketFormat(
    model: .pandar64, protocolVersion: "8-byte header", protocolMajor: 0, protocolMinor: 0,
    headerSize: 8, blockCount: 6,
    blockPrefix: 2, unitSize: 3, hasBodyCRC: false, safetySize: 0, tail: .pandar,
    smallestSize: 1194, largestSize: 1198)
  public static let pandarQT64 = HesaiPacketFormat(
    model: .pandarQT64, protocolVersion: "3.1", protocolMajor: 3, protocolMinor: 1,
    headerSize: 12, blockCount: 4, blockPrefix: 2,
    unitSize: 4, hasBodyCRC: false, safetySize: 0, tail: .qt64, smallestSize: 1068,
    largestSize: 1072)
  public static let pandarQT128 = HesaiPacketFormat(
    model: .pandarQT128, protocolVersion: "3.2", protocolMajor: 3, protocolMinor: 2,
    headerSize: 12, blockCount: 2, blockPrefix: 2,
    unitSize: 4, hasBodyCRC: true, safetySize: 17, tail: .qt128, smallestSize: 1095,
    largestSize: 1127)
  public static let pandarXT16 = HesaiPacketFormat(
    model: .pandarXT16, protocolVersion: "6.1", protocolMajor: 6, protocolMinor: 1,
    headerSize: 12, blockCount: 8, blockPrefix: 2,
    unitSize: 4, hasBodyCRC: false, safetySize: 0, tail: .xt, smallestSize: 564, largestSize: 568)
  public static let pandarXT32 = HesaiPacketFormat(
    model: .pandarXT32, protocolVersion: "6.1", protocolMajor: 6, protocolMinor: 1,
    headerSize: 12, blockCount: 8, blockPrefix: 2,
    unitSize: 4, hasBodyCRC: false, safetySize: 0, tail: .xt, smallestSize: 1076, largestSize: 1080)
  public static let pandarXT32M = HesaiPacketFormat(
    model: .pandarXT32M, protocolVersion: "6.1", protocolMajor: 6, protocolMinor: 1,
    headerSize: 12, blockCount: 6, blockPrefix: 2,
    unitSize: 4, hasBodyCRC: false, safetySize: 0, tail: .xt, smallestSize: 816, largestSize: 820)

  public static let all: [HesaiPacketFormat] = [
    .pandar40P, .pandar64, .pandarQT64, .pandarQT128, .pandarXT16, .pandarXT32, .pandarXT32M,
  ]

  public static func of(_ model: HesaiModel) -> HesaiPacketFormat {
    switch model {
    case .pandar40P: .pandar40P
    case .pandar64: .pandar64
    case .pandarQT64: .pandarQT64
    case .pandarQT128: .pandarQT128
    case .pandarXT16: .pandarXT16
    case .pandarXT32: .pandarXT32
    case .pandarXT32M: .pandarXT32M
    }
  }

  /// Which format `payload` is, from its first bytes and its size, or why it is none.
  public static func identify(_ payload: UnsafeRawBufferPointer) -> Result<
    HesaiPacketFormat, HesaiPacketProblem
  > {
    guard payload.count >= 2 else { return .failure(.truncated) }
    let format: HesaiPacketFormat
    switch (payload[0], payload[1]) {
    case (0xFF, 0xEE): format = .pandar40P
    case (0xEE, 0xFF):
      guard payload.count >= 12 else { return .failure(.truncated) }
      guard let known = headerFormat(payload) else { return .failure(.unknownProtocol) }
      format = known
    default: return .failure(.unknownFormat)
    }
    if payload.count < format.smallestSize { return .failure(.truncated) }
    if !format.accepts(size: payload.count) { return .failure(.wrongSize) }
    return .success(format)
  }

  /// The `EE FF` formats: Pandar64 by its laser and block counts (it has no protocol version),
  /// the others by protocol version, laser_num and block_num.
  private static func headerFormat(_ payload: UnsafeRawBufferPointer) -> HesaiPacketFormat? {
    if payload[2] == 64 && payload[3] == 6 { return .pandar64 }
    // A plain loop: the per-packet path allocates nothing, even unoptimised.
    for index in all.indices {
      let format = all[index]
      if format.headerSize == 12 && format.protocolMajor == payload[2]
        && format.protocolMinor == payload[3] && format.laserCount == Int(payload[6])
        && format.blockCount == Int(payload[7])
      {
        return format
      }
    }
    return nil
  }

  public func accepts(size: Int) -> Bool {
    size == smallestSize || size == largestSize
  }
}
