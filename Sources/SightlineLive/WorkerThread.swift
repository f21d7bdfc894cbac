import Foundation

/// A named thread that runs one body to its end: the start, ready, stop, join and failure that
/// every worker of a live run needs, around one condition. The body polls `isStopping` between
/// batches; `join()` returns once it has returned (or thrown, which `failure` then holds).
public final class WorkerThread: @unchecked Sendable {
  public let name: String
  private let condition = NSCondition()
  private var stopping = false
  private var finished = false
  private var ready: Bool?
  private var thrown: (any Error)?

  public init(name: String) { self.name = name }

  /// Runs `body` on a new thread.
  public func start(_ body: @escaping @Sendable (WorkerThread) throws -> Void) {
    let thread = Thread { [self] in
      do {
        try body(self)
      } catch {
        locked { thrown = error }
      }
      locked {
        if ready == nil { ready = thrown == nil }
        finished = true
      }
    }
    thread.name = name
    thread.start()
  }

  /// The body is set up (true) or could not be (false); `waitUntilReady` returns it.
  public func signalReady(_ value: Bool = true) {
    locked { if ready == nil { ready = value } }
  }

  /// Blocks until the body signals ready or ends. False when it failed before being ready.
  public func waitUntilReady() -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while ready == nil { condition.wait() }
    return ready ?? false
  }

  /// Asks the body to return at its next check.
  public func stop() { locked { stopping = true } }

  public var isStopping: Bool {
    condition.lock()
    defer { condition.unlock() }
    return stopping
  }

  /// Blocks until the body has returned.
  public func join() {
    condition.lock()
    while !finished { condition.wait() }
    condition.unlock()
  }

  /// What the body threw, if it did.
  public var failure: (any Error)? {
    condition.lock()
    defer { condition.unlock() }
    return thrown
  }

  private func locked(_ body: () -> Void) {
    condition.lock()
    body()
    condition.broadcast()
    condition.unlock()
  }
}
