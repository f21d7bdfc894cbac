import Synchronization

/// Asks one live run to re-read its config file (SIGHUP asks every run in the process).
public final class ReloadTrigger: Sendable {
  private let requested = Atomic<Bool>(false)

  public init() {}

  public func request() { requested.store(true, ordering: .relaxed) }

  /// True once per request (or per SIGHUP).
  func take() -> Bool {
    requested.exchange(false, ordering: .relaxed)
      || ProcessSignals.reloadSignalled.exchange(false, ordering: .relaxed)
  }
}
