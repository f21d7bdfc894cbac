/// The packet's own UTC time: the tail's date and time (whole seconds) plus its µs timestamp.
public enum HesaiClock {
  /// The year byte counts from 1900 on most models (QT, XT: 117 is 2017) and from 2000 on the
  /// 40P (17 is 2017). Pandar64 firmware writes either: nebula adds 2000 to its 120 and gets
  /// 2120. No sensor reports a year before 2000, so a byte under 100 counts from 2000 and any
  /// other from 1900; this keeps nebula's result for every packet it dates right.
  public static func year(byte: UInt8) -> Int {
    byte < 100 ? 2000 + Int(byte) : 1900 + Int(byte)
  }

  /// Seconds since the Unix epoch of a UTC date and time; values out of range carry over, as
  /// `timegm` does (month 13 is January of the next year).
  public static func secondsSinceEpoch(
    year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
  ) -> Int64 {
    let months = year * 12 + month - 1
    let (wholeYear, monthIndex) = (floorDivide(months, 12), months - floorDivide(months, 12) * 12)
    let days = daysFromCivil(year: wholeYear, month: monthIndex + 1) + Int64(day - 1)
    return ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60 + Int64(second)
  }

  /// UTC nanoseconds of the six date bytes (year, month, day, hour, minute, second) at `offset`
  /// and the µs timestamp at `microsecondsOffset`.
  static func nanoseconds(
    _ bytes: UnsafeRawBufferPointer, dateAt offset: Int, microsecondsAt microsecondsOffset: Int
  ) -> Int64 {
    let seconds = secondsSinceEpoch(
      year: year(byte: bytes[offset]), month: Int(bytes[offset + 1]), day: Int(bytes[offset + 2]),
      hour: Int(bytes[offset + 3]), minute: Int(bytes[offset + 4]), second: Int(bytes[offset + 5]))
    let micros = UInt32(
      littleEndian: bytes.loadUnaligned(fromByteOffset: microsecondsOffset, as: UInt32.self))
    return seconds * 1_000_000_000 + Int64(micros) * 1000
  }

  /// Days from 1970-01-01 to the first of `month` (1...12) of `year` (proleptic Gregorian).
  static func daysFromCivil(year: Int, month: Int) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = floorDivide(y, 400)
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return Int64(era) * 146_097 + Int64(dayOfEra) - 719_468
  }

  private static func floorDivide(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? a / b : -((-a + b - 1) / b)
  }
}
