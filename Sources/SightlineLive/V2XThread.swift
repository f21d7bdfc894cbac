import Foundation
import SightlinePipeline
import SightlinePublish
import SightlineZMQ

/// The V2X thread of a live run: owns the sources' sockets and the decoder state, and pushes
/// every admitted message onto the queue the frame thread drains.
final class V2XThread: @unchecked Sendable {
  let context: ZMQContext
  let config: SightlineConfig
  let queue: V2XQueue
  let clock: HostClock
  let security: SocketSecurity?
  let stop: StopToken
  private let worker = WorkerThread(name: "sightline-v2x")
  /// The ingest's counters as of its last batch, for the frames' counters (a plain copy under
  /// the lock: the counters hold no arrays, so neither thread's next count copies storage).
  private let lock = NSLock()
  private var latest = V2XCounters()

  init(
    context: ZMQContext, config: SightlineConfig, queue: V2XQueue, clock: HostClock,
    security: SocketSecurity?, stop: StopToken
  ) {
    self.context = context
    self.config = config
    self.queue = queue
    self.clock = clock
    self.security = security
    self.stop = stop
  }

  func start() { worker.start { [self] worker in try body(worker) } }

  private func body(_ worker: WorkerThread) throws {
    var ingest = V2XIngest(staleAfterMilliseconds: Int64(config.v2x.staleAfterMilliseconds))
    defer {
      share(ingest.counters)
      ingest.release()
    }
    let sockets = try V2XSockets(
      context: context, sources: config.v2x.sources, clock: clock, security: security)
    while !stop.isRequested && !worker.isStopping {
      defer { share(ingest.counters) }
      _ = try sockets.receive(timeoutMilliseconds: 50) { index, payload, received in
        guard let payload else {
          ingest.countOversized()
          return
        }
        if let observation = ingest.ingest(
          payload, format: config.v2x.sources[index].format, receiveTimeNanoseconds: received,
          source: index)
        {
          queue.push(observation)
        }
      }
    }
  }

  private func share(_ counters: V2XCounters) {
    lock.lock()
    latest = counters
    lock.unlock()
  }

  /// The counters as of the last batch (all of them, once the thread has ended).
  var counters: V2XCounters {
    lock.lock()
    defer { lock.unlock() }
    return latest
  }

  func requestStop() { worker.stop() }
  func join() { worker.join() }
  var failure: (any Error)? { worker.failure }
}
