#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The host's system clock (CLOCK_REALTIME), read without allocating.
public enum WallClock {
  /// UTC nanoseconds since the Unix epoch.
  public static func nanoseconds() -> Int64 { readClock(CLOCK_REALTIME) }
}
