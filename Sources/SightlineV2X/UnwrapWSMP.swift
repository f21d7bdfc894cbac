// SightlineV2X WSMP: the IEEE 1609.3 WAVE Short Message header in front of a V2X payload.
// Version 3 (1609.3-2016/2020): N-Header byte (subtype | option bit | version), optional WAVE
// information element extension, TPID, T-Header (p-encoded PSID), WSM length. Version 2
// (1609.3-2010): version, PSID, elements up to WSMP element id 0x80, 2-byte length.

/// What the WSMP header says. Ranges index the caller's buffer.
public struct WSMPInfo: Sendable, Equatable {
  /// 3 for 1609.3-2016/2020, 2 for 1609.3-2010.
  public var version: Int
  /// The PSID as a number, p-encoding removed (0x20 for BSM; SPaT's `80 02` is 0x82). Nil when
  /// the header carries ITS ports instead.
  public var psid: UInt64?
  /// WAVE element 15 (Channel Number), when sent.
  public var channel: Int?
  /// WAVE element 16 (Data Rate, 500 kb/s units), when sent.
  public var dataRate: Int?
  /// WAVE element 4 (Transmit Power Used) as sent, when sent.
  public var transmitPowerUsed: Int?
  /// WAVE element 23 (Channel Load), when sent.
  public var channelLoad: Int?
  /// The declared WSM length.
  public var wsmLength: Int
  /// The WSM data that is present (shorter than `wsmLength` when the bytes end early).
  public var data: Range<Int>
}

extension V2XUnwrap {
  /// WAVE element ids the WSMP-N-Header may carry (1609.3 8.3.4).
  static func isWSMPHeaderElement(_ id: UInt8) -> Bool {
    id == 4 || id == 15 || id == 16 || id == 23
  }

  /// Parses a WSMP header at offset 0. Use when the transport says the bytes are a WSM;
  /// `locateFrame` only calls it when the first bytes already look like one.
  public static func parseWSMP(_ bytes: UnsafeRawBufferPointer) -> Result<WSMPInfo, UnwrapError> {
    var cursor = UnwrapCursor(bytes, at: 0, end: bytes.count, malformed: .malformedWSMP)
    do throws(UnwrapError) {
      let first = try cursor.byte()
      switch first & 0x07 {
      case 3: return .success(try parseWSMPVersion3(&cursor, first: first))
      case 2 where first == 0x02: return .success(try parseWSMPVersion2(&cursor))
      default: throw .badWSMPVersion(Int(first & 0x07))
      }
    } catch {
      return .failure(error)
    }
  }

  /// A cheap structural test so a forwarder header is not mistaken for WSMP: v3 needs subtype
  /// 0...3 and either a TPID 0...5 followed by a valid p-encoded PSID, or an extension count
  /// followed by a WSMP-N-Header element id; v2 needs a PSID followed by a known element id.
  static func looksLikeWSMP(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count >= 3 else { return false }
    let first = bytes[0]
    if first == 0x02 {
      let psidLength = pEncodedLength(bytes[1])
      guard psidLength > 0, 1 + psidLength < bytes.count else { return false }
      let element = bytes[1 + psidLength]
      return element == 0x04 || element == 0x0F || element == 0x10
        || (0x80...0x82).contains(element)
    }
    guard first & 0x07 == 3, first >> 4 <= 3 else { return false }
    if first & 0x08 == 0 {
      return bytes[1] <= 5 && (bytes[1] >= 2 || pEncodedLength(bytes[2]) > 0)
    }
    // Extension count (one byte for any sane count), then the first element id.
    return (1...8).contains(bytes[1]) && isWSMPHeaderElement(bytes[2])
  }

  /// Octets of a p-encoded PSID from its first octet (1609.3 4.1.2), 0 when invalid.
  static func pEncodedLength(_ first: UInt8) -> Int {
    if first & 0x80 == 0 { return 1 }
    if first & 0xC0 == 0x80 { return 2 }
    if first & 0xE0 == 0xC0 { return 3 }
    if first & 0xF0 == 0xE0 { return 4 }
    return 0
  }

  static func readPEncodedPSID(_ cursor: inout UnwrapCursor) throws(UnwrapError) -> UInt64 {
    let length = pEncodedLength(try cursor.peek())
    guard length > 0 else { throw .malformedWSMP }
    let raw = try cursor.unsigned(length)
    switch length {
    case 1: return raw
    case 2: return (raw & 0x3FFF) + 0x80
    case 3: return (raw & 0x1F_FFFF) + 0x4080
    default: return (raw & 0x0FFF_FFFF) + 0x20_4080
    }
  }

  /// 1609.3 8.1.3 Length and Count: one octet `0xxxxxxx`, or two octets `10xxxxxx xxxxxxxx`.
  static func readLengthOrCount(_ cursor: inout UnwrapCursor) throws(UnwrapError) -> Int {
    let first = try cursor.byte()
    if first & 0x80 == 0 { return Int(first) }
    guard first & 0xC0 == 0x80 else { throw .malformedWSMP }
    return Int(first & 0x3F) << 8 | Int(try cursor.byte())
  }

  static func parseWSMPVersion3(_ cursor: inout UnwrapCursor, first: UInt8) throws(UnwrapError)
    -> WSMPInfo
  {
    var info = WSMPInfo(version: 3, psid: nil, wsmLength: 0, data: 0..<0)
    guard first >> 4 == 0 else { throw .unsupportedWSMPSubtype(Int(first >> 4)) }
    if first & 0x08 != 0 { try readWAVEElements(&cursor, into: &info) }
    let tpid = try cursor.byte()
    switch tpid {
    case 0, 1:
      info.psid = try readPEncodedPSID(&cursor)
    case 2, 3:
      try cursor.skip(4)  // source and destination ITS port numbers
    default:
      throw .unsupportedWSMPTransport(Int(tpid))
    }
    if tpid == 1 || tpid == 3 { try readWAVEElements(&cursor, into: &info) }
    info.wsmLength = try readLengthOrCount(&cursor)
    info.data = cursor.offset..<(cursor.offset + min(info.wsmLength, cursor.remaining))
    return info
  }

  /// A WAVE Information Element Extension: count, then (element id, length, contents) each.
  static func readWAVEElements(_ cursor: inout UnwrapCursor, into info: inout WSMPInfo)
    throws(UnwrapError)
  {
    let count = try readLengthOrCount(&cursor)
    guard count <= cursor.remaining else { throw .truncated }
    for _ in 0..<count {
      let id = try cursor.byte()
      let length = try readLengthOrCount(&cursor)
      let start = cursor.offset
      try cursor.skip(length)
      recordElement(id, cursor.bytes, start, length, into: &info)
    }
  }

  static func recordElement(
    _ id: UInt8, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ length: Int,
    into info: inout WSMPInfo
  ) {
    guard length == 1 else { return }
    let value = Int(bytes[start])
    switch id {
    case 4: info.transmitPowerUsed = value
    case 15: info.channel = value
    case 16: info.dataRate = value
    case 23: info.channelLoad = value
    default: break
    }
  }

  static func parseWSMPVersion2(_ cursor: inout UnwrapCursor) throws(UnwrapError) -> WSMPInfo {
    var info = WSMPInfo(version: 2, psid: try readPEncodedPSID(&cursor), wsmLength: 0, data: 0..<0)
    while true {
      let id = try cursor.byte()
      if id == 0x80 { break }
      // WSMP-S (0x81) and WSMP-I (0x82) carry supplement data this reader does not handle.
      guard id == 0x04 || id == 0x0F || id == 0x10 else { throw .malformedWSMP }
      let length = Int(try cursor.byte())
      let start = cursor.offset
      try cursor.skip(length)
      recordElement(id, cursor.bytes, start, length, into: &info)
    }
    info.wsmLength = Int(try cursor.unsigned(2))
    info.data = cursor.offset..<(cursor.offset + min(info.wsmLength, cursor.remaining))
    return info
  }
}
