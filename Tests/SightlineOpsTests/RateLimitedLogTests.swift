// RateLimitedLogHandler and LogRateLimiter: a storm from one call site is cut to the burst,
// other call sites pass, the summary comes after the refill (a hand-driven clock, no sleeping),
// memory stays bounded, and the bootstrap is safe to call twice.

import Logging
import SightlineOps
import Synchronization
import Testing

/// A clock the test advances by hand.
final class ManualClock: Sendable {
  private let time = Mutex<Duration>(.zero)
  func advance(by duration: Duration) { time.withLock { $0 += duration } }
  var function: @Sendable () -> Duration { { self.time.withLock { $0 } } }
}

/// Keeps every event it is handed.
final class LogSink: Sendable {
  private let events = Mutex<[LogEvent]>([])
  func append(_ event: LogEvent) { events.withLock { $0.append(event) } }
  var all: [LogEvent] { events.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
  let sink: LogSink
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace

  func log(event: LogEvent) { sink.append(event) }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
}

@Suite struct RateLimitedLogTests {
  private func logger(_ sink: LogSink, _ limiter: LogRateLimiter) -> Logger {
    Logger(label: "test") { _ in
      RateLimitedLogHandler(wrapping: CapturingLogHandler(sink: sink), limiter: limiter)
    }
  }

  @Test func aStormFromOneCallSiteIsCutToTheBurst() throws {
    let clock = ManualClock()
    let limiter = LogRateLimiter(
      configuration: .init(burst: 10, refillPerSecond: 1), clock: clock.function)
    let sink = LogSink()
    let logger = logger(sink, limiter)
    func storm(_ index: Int) { logger.warning("garbage packet \(index)") }
    func elsewhere() { logger.warning("another call site") }

    for index in 0..<1000 { storm(index) }
    #expect(sink.all.count == 10)
    #expect(sink.all.map(\.message.description) == (0..<10).map { "garbage packet \($0)" })
    #expect(limiter.suppressedTotal == 990)

    elsewhere()  // its own bucket
    #expect(sink.all.count == 11)
    #expect(sink.all.last?.message.description == "another call site")

    storm(1000)  // still no token
    #expect(sink.all.count == 11)
    #expect(limiter.suppressedTotal == 991)

    clock.advance(by: .seconds(1))  // one token back
    storm(1001)
    let summary = try #require(sink.all.last)
    #expect(sink.all.count == 12)
    #expect(summary.message.description == "garbage packet 1001 (suppressed 991 similar messages)")
    #expect(summary.metadata?["suppressed"] == "991")
    #expect(summary.level == .warning)

    storm(1002)
    clock.advance(by: .milliseconds(500))
    storm(1003)  // half a token is not enough
    #expect(sink.all.count == 12)
    clock.advance(by: .milliseconds(500))
    storm(1004)
    #expect(sink.all.count == 13)
    #expect(sink.all.last?.metadata?["suppressed"] == "2")
    #expect(limiter.suppressedTotal == 993)
  }

  @Test func bucketsRefillUpToTheBurstOnly() {
    let clock = ManualClock()
    let limiter = LogRateLimiter(
      configuration: .init(burst: 3, refillPerSecond: 2), clock: clock.function)
    clock.advance(by: .seconds(100))
    var passed = 0
    for _ in 0..<10 where limiter.admit(file: "A.swift", line: 1) != .suppress { passed += 1 }
    #expect(passed == 3)
    // A clock that steps back refills nothing and breaks nothing.
    clock.advance(by: .seconds(-50))
    #expect(limiter.admit(file: "A.swift", line: 1) == .suppress)
  }

  @Test func keysAreBoundedWithAnOverflowBucket() {
    let clock = ManualClock()
    let limiter = LogRateLimiter(
      configuration: .init(burst: 2, refillPerSecond: 1, maxKeys: 2), clock: clock.function)
    #expect(limiter.admit(file: "A.swift", line: 1) == .emit(suppressedBefore: 0))
    #expect(limiter.admit(file: "B.swift", line: 1) == .emit(suppressedBefore: 0))
    #expect(limiter.trackedKeys == 2)
    // The table is full of busy keys: new call sites share the overflow bucket (burst 2).
    let overflow = (3...8).map { limiter.admit(file: "C.swift", line: UInt($0)) }
    #expect(overflow.filter { $0 != .suppress }.count == 2)
    #expect(limiter.trackedKeys == 2)
    #expect(limiter.suppressedTotal == 4)

    // Once A and B are full again and owe no summary, they make room for a new key.
    clock.advance(by: .seconds(5))
    #expect(limiter.admit(file: "D.swift", line: 1) == .emit(suppressedBefore: 0))
    #expect(limiter.trackedKeys == 1)
    // E takes the free slot; F overflows, and the overflow bucket reports what it dropped.
    #expect(limiter.admit(file: "E.swift", line: 1) == .emit(suppressedBefore: 0))
    #expect(limiter.admit(file: "F.swift", line: 1) == .emit(suppressedBefore: 4))
  }

  @Test func theHandlerKeepsLevelAndMetadataInTheWrappedHandler() {
    let sink = LogSink()
    var handler = RateLimitedLogHandler(
      wrapping: CapturingLogHandler(sink: sink), limiter: LogRateLimiter())
    handler.logLevel = .error
    handler[metadataKey: "sensor"] = "vlp16"
    #expect(handler.wrapped.logLevel == .error)
    #expect(handler.wrapped.metadata == ["sensor": "vlp16"])
    var logger = Logger(label: "test") { _ in handler }
    logger.info("dropped by level")
    logger.error("kept")
    #expect(sink.all.map(\.message.description) == ["kept"])
    logger.logLevel = .info
    logger.info("now kept")
    #expect(sink.all.count == 2)
  }

  @Test func bootstrapRunsOnce() {
    #expect(SightlineLogging.bootstrap(level: .warning))
    #expect(!SightlineLogging.bootstrap(level: .debug))  // would trap in swift-log otherwise
    #expect(SightlineLogging.limiter != nil)
    let logger = Logger(label: "sightline.test")
    #expect(logger.handler is RateLimitedLogHandler)
    #expect(logger.logLevel == .warning)
  }
}
