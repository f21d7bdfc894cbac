import SightlineLive
import SightlineZMQ
import Synchronization

/// A `LiveRun` on a thread of its own, as `LiveRunService` runs it for `sightline run`, that
/// also keeps the ports its LiDAR sockets bound (port 0: any free one).
final class LiveRunThread: Sendable {
  let options: LiveOptions
  private let worker = WorkerThread(name: "sightline-bench-latency-run")
  private let summary = Mutex<LiveSummary?>(nil)
  private let ports: ListeningPorts

  init(options: LiveOptions, context: ZMQContext, log: @escaping @Sendable (String) -> Void) {
    let ports = ListeningPorts()
    var listening = options
    listening.onListening = { data, second in ports.value.withLock { $0 = (data, second) } }
    let options = listening
    self.options = options
    self.ports = ports
    worker.start { [self] _ in
      let result = try LiveRun(options: options).run(context: context, log: log)
      summary.withLock { $0 = result }
    }
  }

  /// The data port and the second port, once the sockets listen.
  var listening: (data: UInt16, second: UInt16?)? { ports.value.withLock { $0 } }

  /// What the run threw, once it ended.
  var failure: (any Error)? { worker.failure }

  /// Waits for the run to end (by its stop token, duration or idle rule) and returns its
  /// summary, or throws what it threw.
  func join() throws -> LiveSummary {
    worker.join()
    if let failure = worker.failure { throw failure }
    guard let result = summary.withLock({ $0 }) else { throw CancellationError() }
    return result
  }
}

/// The ports the run's `onListening` reported.
private final class ListeningPorts: Sendable {
  let value = Mutex<(data: UInt16, second: UInt16?)?>(nil)
}
