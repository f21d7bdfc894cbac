import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The host's UTC time as a live run uses it: CLOCK_REALTIME read once at the start, then
/// carried by CLOCK_MONOTONIC. A step of the system clock during a run (an NTP step, an
/// operator, a bad RTC) would otherwise make every V2X message look 10 s stale or 10 s early;
/// here it is seen (realtime against monotonic), counted and reported, and not followed. The
/// sensors carry their own GNSS time, so nothing the runtime computes needs the step.
/// Kernel packet stamps (realtime) go through `map(kernelTime:)` for the same reason.
public final class HostClock: Sendable {
  /// Realtime − monotonic when the clock was made.
  private let anchor: Int64
  /// A change of realtime − monotonic larger than this between two readings is a step (NTP
  /// slewing moves both clocks alike, so it never shows here).
  public let stepThresholdNanoseconds: Int64
  /// The steps seen so far, summed: what realtime readings are off from the run's timeline.
  private let followedStep = Atomic<Int64>(0)
  private let stepCount = Atomic<Int>(0)
  /// Fault injection (tests): added to every realtime reading and kernel stamp, as a real step
  /// of the system clock would be.
  private let injected = Atomic<Int64>(0)

  public init(stepThresholdNanoseconds: Int64 = 50_000_000) {
    self.stepThresholdNanoseconds = stepThresholdNanoseconds
    anchor = Self.read(CLOCK_REALTIME) - Self.read(CLOCK_MONOTONIC)
  }

  /// UTC nanoseconds on the run's timeline. Also notices a step of the system clock.
  public func now() -> Int64 {
    let monotonic = Self.read(CLOCK_MONOTONIC)
    let realtime = Self.read(CLOCK_REALTIME) + injected.load(ordering: .relaxed)
    let step = realtime - monotonic - anchor
    let known = followedStep.load(ordering: .relaxed)
    if abs(step - known) > stepThresholdNanoseconds {
      // One thread wins the update; the others see it done.
      if followedStep.compareExchange(expected: known, desired: step, ordering: .relaxed)
        .exchanged
      {
        stepCount.add(1, ordering: .relaxed)
      }
    }
    return monotonic + anchor
  }

  /// A kernel receive stamp (CLOCK_REALTIME) on the run's timeline; 0 (no stamp) reads now.
  public func map(kernelTime: Int64) -> Int64 {
    guard kernelTime != 0 else { return now() }
    return kernelTime + injected.load(ordering: .relaxed) - followedStep.load(ordering: .relaxed)
  }

  /// Steps of the system clock seen, and their sum.
  public var steps: (count: Int, totalNanoseconds: Int64) {
    (stepCount.load(ordering: .relaxed), followedStep.load(ordering: .relaxed))
  }

  /// Fault injection for tests: from now on the system clock reads `nanoseconds` off.
  public func injectStep(_ nanoseconds: Int64) {
    injected.add(nanoseconds, ordering: .relaxed)
  }

  @inline(__always) static func read(_ clock: clockid_t) -> Int64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
  }
}
