#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The host's monotonic clock (CLOCK_MONOTONIC), read without allocating: budgets, pacing and
/// stage timings, which must not jump when the system clock is set.
public enum MonotonicClock {
  public static func nanoseconds() -> Int64 { readClock(CLOCK_MONOTONIC) }

  /// Sleeps this long on the monotonic clock (interruptions resume the rest).
  public static func sleep(nanoseconds: Int64) {
    var request = timespec(
      tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
  }
}

@inline(__always) func readClock(_ clock: clockid_t) -> Int64 {
  var spec = timespec()
  clock_gettime(clock, &spec)
  return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}
