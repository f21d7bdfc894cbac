import Synchronization

/// Asks one run to stop between batches. Each run has its own token, so a test (or a service
/// group) can stop one run and leave the others; a token made with `onSignals()` also stops on
/// SIGINT and SIGTERM.
public final class StopToken: Sendable {
  private let requested = Atomic<Bool>(false)
  private let followsSignals: Bool

  /// A token that only `request()` trips.
  public init() { followsSignals = false }

  private init(followingSignals: Bool) { followsSignals = followingSignals }

  /// A token that SIGINT and SIGTERM trip too (installs the handlers).
  public static func onSignals() -> StopToken {
    ProcessSignals.installStopHandlers()
    return StopToken(followingSignals: true)
  }

  public func request() { requested.store(true, ordering: .relaxed) }

  public var isRequested: Bool {
    requested.load(ordering: .relaxed)
      || (followsSignals && ProcessSignals.stopSignalled.load(ordering: .relaxed))
  }
}
