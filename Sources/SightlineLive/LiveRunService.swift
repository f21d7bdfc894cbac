import Foundation
import Logging
import ServiceLifecycle
import SightlineZMQ

/// `sightline run` as a swift-service-lifecycle service: the service group turns SIGINT and
/// SIGTERM into a graceful shutdown, which stops the live run between batches; the run then
/// finishes its sweep, publishes the end-of-stream stats, finalises the recording (the MCAP
/// summary) and closes its sockets with linger 0. The run itself stays on its own threads (it
/// is real-time work, not async work); this only bridges its lifetime.
public struct LiveRunService: Service {
  let options: LiveOptions
  let context: ZMQContext
  let log: @Sendable (String) -> Void
  let finished: @Sendable (Result<LiveSummary, any Error>) -> Void

  public init(
    options: LiveOptions, context: ZMQContext, log: @escaping @Sendable (String) -> Void,
    finished: @escaping @Sendable (Result<LiveSummary, any Error>) -> Void
  ) {
    self.options = options
    self.context = context
    self.log = log
    self.finished = finished
  }

  public func run() async throws {
    let result = await withGracefulShutdownHandler {
      await withCheckedContinuation { continuation in
        WorkerThread(name: "sightline-ingest").start { [options, context, log] _ in
          let result = Result { try LiveRun(options: options).run(context: context, log: log) }
          continuation.resume(returning: result)
        }
      }
    } onGracefulShutdown: {
      options.stop.request()
    }
    finished(result)
    _ = try result.get()
  }

  /// Runs the service in a group that shuts down gracefully on SIGINT and SIGTERM (and
  /// reloads the config on SIGHUP).
  public static func run(
    options: LiveOptions, context: ZMQContext, logger: Logger,
    log: @escaping @Sendable (String) -> Void
  ) async throws -> LiveSummary {
    let outcome = Outcome()
    let service = LiveRunService(options: options, context: context, log: log) {
      outcome.set($0)
    }
    let group = ServiceGroup(
      configuration: .init(
        services: [
          .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)
        ],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    ProcessSignals.installReloadHandler()
    try await group.run()
    guard let result = outcome.get() else { throw CancellationError() }
    return try result.get()
  }
}

/// The run's result, handed from the service to whoever started the group.
private final class Outcome: @unchecked Sendable {
  private let lock = NSLock()
  private var result: Result<LiveSummary, any Error>?
  func set(_ value: Result<LiveSummary, any Error>) {
    lock.lock()
    result = value
    lock.unlock()
  }
  func get() -> Result<LiveSummary, any Error>? {
    lock.lock()
    defer { lock.unlock() }
    return result
  }
}
