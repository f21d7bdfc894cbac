/// A GNSS fix from a `$GPRMC` sentence, as the sensor relays it.
public struct GNSSFix: Sendable, Equatable {
  /// UTC nanoseconds since the Unix epoch (date and time of the fix).
  public var utcNanoseconds: Int64
  /// "A" (active) in the sentence; "V" means the receiver has no valid fix.
  public var isValid: Bool
  /// Degrees, north and east positive.
  public var latitude: Double
  public var longitude: Double
  /// Metres per second over ground (the sentence carries knots); nil when left empty.
  public var speedMetersPerSecond: Double?
  /// Degrees clockwise from true north; nil when the sentence leaves it empty.
  public var courseDegrees: Double?
}

/// The 512-byte position packet (port 8308): the sensor's own top-of-hour clock, its PPS state,
/// and the NMEA sentence its GNSS receiver sent, at byte 206. Some units send no NMEA at all.
public struct PositionPacket: Sendable, Equatable {
  public static let payloadSize = 512
  public var microsecondsPastHour: UInt32
  /// 0 absent, 1 synchronising, 2 locked, 3 error.
  public var ppsStatus: UInt8
  public var fix: GNSSFix?

  public enum Problem: Int, CaseIterable, Sendable, CustomStringConvertible {
    case wrongSize
    case badSentence

    /// A stable name for counters and drop reasons ("velodyne.position.wrong_size").
    public var key: String { self == .wrongSize ? "wrong_size" : "bad_sentence" }

    public var description: String {
      switch self {
      case .wrongSize: "position packet is not 512 bytes"
      case .badSentence: "NMEA sentence malformed or its checksum wrong"
      }
    }
  }

  public static func parse(_ payload: UnsafeRawBufferPointer) -> Result<
    PositionPacket, ParseFailure
  > {
    guard payload.count == payloadSize else { return .failure(ParseFailure(problem: .wrongSize)) }
    var packet = PositionPacket(
      microsecondsPastHour: payload.littleEndianUInt32(at: 198), ppsStatus: payload[202], fix: nil)
    let sentence = UnsafeRawBufferPointer(rebasing: payload[206...])
    guard sentence.first == UInt8(ascii: "$") else { return .success(packet) }  // no NMEA
    guard let fix = NMEA.parseRMC(sentence) else {
      return .failure(ParseFailure(problem: .badSentence))
    }
    packet.fix = fix
    return .success(packet)
  }

  public struct ParseFailure: Error, Equatable {
    public var problem: Problem
    public init(problem: Problem) { self.problem = problem }
  }
}

/// Just enough NMEA 0183 for `$xxRMC`: fields split in place, checksum verified, no allocation.
public enum NMEA {
  static let knotsToMetersPerSecond = 1852.0 / 3600.0

  /// Parses "$GPRMC,hhmmss.ss,A,ddmm.mmmm,N,dddmm.mmmm,W,knots,course,ddmmyy,...*CS".
  public static func parseRMC(_ bytes: UnsafeRawBufferPointer) -> GNSSFix? {
    guard let star = bytes.firstIndex(of: UInt8(ascii: "*")), star + 2 < bytes.count,
      bytes.count > 6, bytes[0] == UInt8(ascii: "$")
    else { return nil }
    // Talker GP, GN, GL…: only the sentence type matters.
    guard bytes[3] == UInt8(ascii: "R"), bytes[4] == UInt8(ascii: "M"),
      bytes[5] == UInt8(ascii: "C")
    else { return nil }
    var checksum: UInt8 = 0
    for index in 1..<star { checksum ^= bytes[index] }
    guard let high = hexValue(bytes[star + 1]), let low = hexValue(bytes[star + 2]),
      checksum == high << 4 | low
    else { return nil }

    var fields = FieldCursor(bytes: bytes, position: 7, end: star)
    let time = fields.next()
    let status = fields.next()
    let latitudeField = fields.next()
    let northSouth = fields.next()
    let longitudeField = fields.next()
    let eastWest = fields.next()
    let knotsField = fields.next()
    let courseField = fields.next()
    guard let date = fields.next() else { return nil }
    guard let time, let status, let latitudeField, let northSouth, let longitudeField,
      let eastWest, let knotsField, let courseField
    else { return nil }
    guard time.count >= 6, date.count == 6,
      let hh = digits(time, 0, 2), let mm = digits(time, 2, 2), let ss = digits(time, 4, 2),
      let day = digits(date, 0, 2), let month = digits(date, 2, 2), let yy = digits(date, 4, 2),
      hh < 24, mm < 60, ss < 61, (1...31).contains(day), (1...12).contains(month)
    else { return nil }
    var fraction: Int64 = 0
    if time.count > 7, time[6] == UInt8(ascii: ".") {
      var scale: Int64 = 100_000_000
      for index in 7..<time.count {
        guard let d = digitValue(time[index]) else { return nil }
        fraction += Int64(d) * scale
        scale /= 10
      }
    }
    let year = 2000 + yy  // RMC carries two digits; GPS receivers report 20yy.
    let days = daysFromCivil(year: year, month: month, day: day)
    let seconds = Int64(days) * 86_400 + Int64(hh * 3600 + mm * 60 + ss)

    guard
      let latitude = coordinate(
        latitudeField, degreeDigits: 2, limit: 90, hemisphere: northSouth, signs: ("N", "S")),
      let longitude = coordinate(
        longitudeField, degreeDigits: 3, limit: 180, hemisphere: eastWest, signs: ("E", "W"))
    else { return nil }
    let knots = knotsField.isEmpty ? nil : decimal(knotsField)
    guard knotsField.isEmpty || knots != nil else { return nil }
    let course = courseField.isEmpty ? nil : decimal(courseField)
    guard courseField.isEmpty || course != nil else { return nil }
    return GNSSFix(
      utcNanoseconds: seconds * 1_000_000_000 + fraction,
      isValid: status.count == 1 && status[0] == UInt8(ascii: "A"),
      latitude: latitude, longitude: longitude,
      speedMetersPerSecond: knots.map { $0 * knotsToMetersPerSecond }, courseDegrees: course)
  }

  /// Walks comma-separated fields without copying them.
  struct FieldCursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let end: Int

    mutating func next() -> UnsafeRawBufferPointer? {
      guard position <= end else { return nil }
      var stop = position
      while stop < end && bytes[stop] != UInt8(ascii: ",") { stop += 1 }
      defer { position = stop + 1 }
      return UnsafeRawBufferPointer(rebasing: bytes[position..<stop])
    }
  }

  static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    default: nil
    }
  }

  static func digitValue(_ byte: UInt8) -> Int? {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
  }

  static func digits(_ bytes: UnsafeRawBufferPointer, _ from: Int, _ count: Int) -> Int? {
    var value = 0
    for index in from..<(from + count) {
      guard let d = digitValue(bytes[index]) else { return nil }
      value = value * 10 + d
    }
    return value
  }

  /// A plain decimal such as "028.8" or "0.034".
  static func decimal(_ bytes: UnsafeRawBufferPointer) -> Double? {
    guard !bytes.isEmpty else { return nil }
    var whole = 0.0
    var scale = 0.0
    for byte in bytes {
      if byte == UInt8(ascii: "."), scale == 0 {
        scale = 1
        continue
      }
      guard let d = digitValue(byte) else { return nil }
      if scale == 0 {
        whole = whole * 10 + Double(d)
      } else {
        scale /= 10
        whole += Double(d) * scale
      }
    }
    return whole
  }

  /// "ddmm.mmmm" (or "dddmm.mmmm") and a hemisphere letter, to signed degrees.
  /// `ddmm.mmmm` (or `dddmm.mmmm`) and its hemisphere letter; nil beyond ±`limit` degrees or
  /// for a letter other than the two in `signs` (positive, negative).
  static func coordinate(
    _ bytes: UnsafeRawBufferPointer, degreeDigits: Int, limit: Double,
    hemisphere: UnsafeRawBufferPointer, signs: (Unicode.Scalar, Unicode.Scalar)
  ) -> Double? {
    guard bytes.count > degreeDigits + 2, hemisphere.count == 1,
      hemisphere[0] == UInt8(ascii: signs.0) || hemisphere[0] == UInt8(ascii: signs.1),
      let degrees = digits(bytes, 0, degreeDigits),
      let minutes = decimal(UnsafeRawBufferPointer(rebasing: bytes[degreeDigits...])),
      minutes < 60
    else { return nil }
    let value = Double(degrees) + minutes / 60
    guard value <= limit else { return nil }
    return hemisphere[0] == UInt8(ascii: signs.1) ? -value : value
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }
}
