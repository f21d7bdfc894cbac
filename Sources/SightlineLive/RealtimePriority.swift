#if canImport(Glibc)
  import Glibc
#endif

/// Puts the calling thread under SCHED_FIFO at a priority (1…99), so that no ordinary process
/// on its core can preempt a frame halfway: the budget then bounds the frame's time, not the
/// scheduler. Needs CAP_SYS_NICE (or root, or an rtprio limit in limits.conf).
public enum RealtimePriority {
  public struct Refused: Error, CustomStringConvertible {
    public let priority: Int
    public let errno: Int32
    public var description: String {
      "SCHED_FIFO priority \(priority) refused: \(String(cString: strerror(errno)))"
        + (errno == EPERM ? " (needs CAP_SYS_NICE, root, or an rtprio limit)" : "")
    }
  }

  /// SCHED_FIFO at `priority` for the calling thread; 0 leaves it as it is.
  public static func apply(_ priority: Int) throws(Refused) {
    guard priority > 0 else { return }
    #if canImport(Glibc)
      var parameters = sched_param()
      parameters.sched_priority = Int32(priority)
      let status = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
      guard status == 0 else { throw Refused(priority: priority, errno: status) }
    #else
      throw Refused(priority: priority, errno: ENOTSUP)
    #endif
  }
}
