import SightlineLive
import SightlinePublish
import SightlineZMQ

/// A subscriber that reads and decodes every message on its own thread until stopped.
final class SubscriberThread: Sendable {
  let context: ZMQContext
  let endpoint: String
  private let worker = WorkerThread(name: "sightline-bench-subscriber")
  private let result = SummaryBox()

  init(context: ZMQContext, endpoint: String) {
    self.context = context
    self.endpoint = endpoint
  }

  func start() {
    worker.start { [self] worker in
      guard let subscriber = try? FrameSubscriber(context: context, endpoint: endpoint) else {
        return
      }
      while !worker.isStopping {
        _ = try? subscriber.next(timeoutMilliseconds: 50)
      }
      // Drain what is queued.
      while true {
        if case .idle = (try? subscriber.next(timeoutMilliseconds: 200)) ?? .idle { break }
      }
      result.summary = subscriber.summary
      subscriber.close()
    }
  }

  /// Stops reading once the queue is drained, and returns what was read.
  func stop() -> SubscriptionSummary {
    worker.stop()
    worker.join()
    return result.summary
  }
}

/// The summary handed from the reading thread (written before `join` returns).
private final class SummaryBox: @unchecked Sendable {
  var summary = SubscriptionSummary()
}
