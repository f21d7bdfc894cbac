import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where SIGINT, SIGTERM and SIGHUP land. Signals belong to the process, so these two flags are
/// process-wide; runs read them only through their own `StopToken` and `ReloadTrigger`.
public enum ProcessSignals {
  /// Set by SIGINT or SIGTERM.
  static let stopSignalled = Atomic<Bool>(false)
  /// Set by SIGHUP; taken (and cleared) by the first `ReloadTrigger` that looks.
  static let reloadSignalled = Atomic<Bool>(false)

  /// SIGINT and SIGTERM trip every `StopToken.onSignals()` token; SIGHUP asks for a reload.
  public static func installStopHandlers() {
    signal(SIGINT) { _ in ProcessSignals.stopSignalled.store(true, ordering: .relaxed) }
    signal(SIGTERM) { _ in ProcessSignals.stopSignalled.store(true, ordering: .relaxed) }
    installReloadHandler()
  }

  /// SIGHUP: live runs re-read their config file.
  public static func installReloadHandler() {
    signal(SIGHUP) { _ in ProcessSignals.reloadSignalled.store(true, ordering: .relaxed) }
  }
}
