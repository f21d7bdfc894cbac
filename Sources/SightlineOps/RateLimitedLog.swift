// SightlineOps: rate-limited logs. A swift-log handler that wraps another and lets each call
// site (file and line) log a burst, then about one line per refill interval; the next line let
// through says how many were suppressed. Keeps a garbage-packet storm from flooding stderr.

import Logging
import Synchronization

/// Token buckets per call site, shared by every handler that uses it.
///
/// Memory is bounded: at most `maxKeys` call sites get their own bucket (idle, fully refilled
/// buckets are evicted to make room); beyond that, new call sites share one overflow bucket.
public final class LogRateLimiter: Sendable {
  public struct Configuration: Sendable, Equatable {
    /// Lines a call site may log at once.
    public var burst: Int
    /// Tokens a bucket regains per second.
    public var refillPerSecond: Double
    /// Call sites tracked one by one.
    public var maxKeys: Int

    public init(burst: Int = 10, refillPerSecond: Double = 1, maxKeys: Int = 1024) {
      self.burst = max(1, burst)
      self.refillPerSecond = max(0, refillPerSecond)
      self.maxKeys = max(0, maxKeys)
    }
  }

  public enum Decision: Equatable, Sendable {
    /// Drop the line.
    case suppress
    /// Log the line; `suppressedBefore` lines from the same bucket were dropped since the last
    /// one let through.
    case emit(suppressedBefore: Int)
  }

  public let configuration: Configuration
  private let clock: @Sendable () -> Duration
  private let state: Mutex<State>

  /// `clock` is monotonic time since any fixed origin; tests pass one they advance by hand.
  public init(
    configuration: Configuration = Configuration(),
    clock: (@Sendable () -> Duration)? = nil
  ) {
    self.configuration = configuration
    if let clock {
      self.clock = clock
    } else {
      let origin = ContinuousClock.now
      self.clock = { ContinuousClock.now - origin }
    }
    let now = Self.seconds(self.clock())
    state = Mutex(State(overflow: Bucket(tokens: Double(configuration.burst), updated: now)))
  }

  /// Decides for one line from `file`:`line`.
  public func admit(file: String, line: UInt) -> Decision {
    let now = Self.seconds(clock())
    let key = CallSite(file: file, line: line)
    let configuration = configuration
    return state.withLock { state in
      let decision: Decision
      if var bucket = state.buckets[key] {
        decision = Self.take(from: &bucket, now: now, configuration)
        state.buckets[key] = bucket  // an existing key: overwritten in place
      } else {
        if state.buckets.count >= configuration.maxKeys {
          state.evictIdle(now: now, configuration)
        }
        if state.buckets.count < configuration.maxKeys {
          var bucket = Bucket(tokens: Double(configuration.burst), updated: now)
          decision = Self.take(from: &bucket, now: now, configuration)
          state.buckets[key] = bucket
        } else {
          decision = Self.take(from: &state.overflow, now: now, configuration)
        }
      }
      if decision == .suppress { state.suppressedTotal += 1 }
      return decision
    }
  }

  private static func take(from bucket: inout Bucket, now: Double, _ configuration: Configuration)
    -> Decision
  {
    let elapsed = max(0, now - bucket.updated)  // a clock that steps back refills nothing
    bucket.tokens = min(
      Double(configuration.burst), bucket.tokens + elapsed * configuration.refillPerSecond)
    bucket.updated = now
    guard bucket.tokens >= 1 else {
      bucket.suppressed += 1
      return .suppress
    }
    bucket.tokens -= 1
    defer { bucket.suppressed = 0 }
    return .emit(suppressedBefore: bucket.suppressed)
  }

  /// Lines suppressed since start, over all call sites.
  public var suppressedTotal: Int {
    state.withLock { $0.suppressedTotal }
  }

  /// Call sites with a bucket of their own (not counting the overflow bucket).
  public var trackedKeys: Int {
    state.withLock { $0.buckets.count }
  }

  private static func seconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) * 1e-18
  }

  private struct CallSite: Hashable {
    let file: String
    let line: UInt
  }

  private struct Bucket {
    var tokens: Double
    var updated: Double
    var suppressed = 0
  }

  private struct State {
    var buckets: [CallSite: Bucket] = [:]
    var overflow: Bucket
    var suppressedTotal = 0
    var lastEviction = -Double.infinity

    /// Drops buckets that are full again and owe no summary: a new bucket would be the same.
    /// At most once a second, so a table full of busy call sites costs one scan per second.
    mutating func evictIdle(now: Double, _ configuration: Configuration) {
      guard now - lastEviction >= 1 else { return }
      lastEviction = now
      let burst = Double(configuration.burst)
      buckets = buckets.filter { _, bucket in
        let tokens = bucket.tokens + max(0, now - bucket.updated) * configuration.refillPerSecond
        return bucket.suppressed > 0 || tokens < burst
      }
    }
  }
}

/// Wraps a handler (e.g. `StreamLogHandler.standardError`) and drops lines past each call
/// site's rate. The first line let through after a suppression ends in
/// "(suppressed N similar messages)" and carries metadata `suppressed=N`.
///
/// Level and metadata live in the wrapped handler (value semantics, as swift-log requires);
/// the limiter is shared on purpose, so the limit holds across loggers.
public struct RateLimitedLogHandler: LogHandler {
  public var wrapped: any LogHandler
  public let limiter: LogRateLimiter

  public init(wrapping wrapped: any LogHandler, limiter: LogRateLimiter) {
    self.wrapped = wrapped
    self.limiter = limiter
  }

  public func log(event: LogEvent) {
    switch limiter.admit(file: event.file, line: event.line) {
    case .suppress:
      return
    case .emit(let suppressed) where suppressed == 0:
      wrapped.log(event: event)
    case .emit(let suppressed):
      var event = event
      event.message = "\(event.message) (suppressed \(suppressed) similar messages)"
      var metadata = event.metadata ?? [:]
      metadata["suppressed"] = "\(suppressed)"
      event.metadata = metadata
      wrapped.log(event: event)
    }
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { wrapped[metadataKey: key] }
    set { wrapped[metadataKey: key] = newValue }
  }

  public var metadata: Logger.Metadata {
    get { wrapped.metadata }
    set { wrapped.metadata = newValue }
  }

  public var logLevel: Logger.Level {
    get { wrapped.logLevel }
    set { wrapped.logLevel = newValue }
  }

  public var metadataProvider: Logger.MetadataProvider? {
    get { wrapped.metadataProvider }
    set { wrapped.metadataProvider = newValue }
  }
}

public enum SightlineLogging {
  private static let installed = Mutex<LogRateLimiter?>(nil)

  /// The limiter behind the bootstrapped handlers; nil before `bootstrap`.
  public static var limiter: LogRateLimiter? {
    installed.withLock { $0 }
  }

  /// Sends every `Logger` to stderr through one shared rate limiter. Only the first call
  /// bootstraps (swift-log traps on a second `LoggingSystem.bootstrap`); later calls return
  /// false and change nothing. It cannot see a bootstrap made elsewhere: call it first.
  @discardableResult
  public static func bootstrap(
    level: Logger.Level = .info,
    rateLimit: LogRateLimiter.Configuration = LogRateLimiter.Configuration()
  ) -> Bool {
    installed.withLock { installed in
      guard installed == nil else { return false }
      let limiter = LogRateLimiter(configuration: rateLimit)
      installed = limiter
      LoggingSystem.bootstrap { label in
        var handler = RateLimitedLogHandler(
          wrapping: StreamLogHandler.standardError(label: label), limiter: limiter)
        handler.logLevel = level
        return handler
      }
      return true
    }
  }
}
