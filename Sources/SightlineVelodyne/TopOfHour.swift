/// Resolves Velodyne's "microseconds past the top of the hour" to absolute UTC time. The hour
/// comes from an outside reference (capture time now, GPRMC later): pick the hour that puts the
/// packet within ±30 min of the reference, so :59 → :00 stays monotonic.
public enum TopOfHour {
  public static let nanosecondsPerHour: Int64 = 3_600_000_000_000

  public static func resolve(microsecondsPastHour: UInt32, referenceNanoseconds: Int64) -> Int64 {
    let hourStart = referenceNanoseconds - floorMod(referenceNanoseconds, nanosecondsPerHour)
    var time = hourStart + Int64(microsecondsPastHour) * 1000
    let half = nanosecondsPerHour / 2
    if time > referenceNanoseconds + half {
      time -= nanosecondsPerHour
    } else if time < referenceNanoseconds - half {
      time += nanosecondsPerHour
    }
    return time
  }

  @inline(__always) static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
    let r = a % b
    return r < 0 ? r + b : r
  }
}
