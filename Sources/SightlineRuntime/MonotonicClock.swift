#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads the host clocks without allocating.
public enum MonotonicClock {
  public static func nanoseconds() -> Int64 { read(CLOCK_MONOTONIC) }
}

public enum WallClock {
  /// UTC nanoseconds since the Unix epoch (CLOCK_REALTIME).
  public static func nanoseconds() -> Int64 { read(CLOCK_REALTIME) }
}

@inline(__always) private func read(_ clock: clockid_t) -> Int64 {
  var spec = timespec()
  clock_gettime(clock, &spec)
  return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}
