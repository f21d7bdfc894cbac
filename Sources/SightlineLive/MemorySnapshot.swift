/// A live run's memory at one moment (`ProcessMemory.snapshot()`), in KiB.
public struct MemorySnapshot: Sendable, Codable, Equatable {
  /// Resident now (VmRSS) and the most it has been (VmHWM).
  public var residentKiB = 0
  public var peakResidentKiB = 0
  /// glibc's heap: allocated from arenas, free but held in arenas (mallinfo2 uordblks and
  /// fordblks, virtual: untouched pages are not resident), and chunks mapped on their own.
  public var heapInUseKiB = 0
  public var heapFreeKiB = 0
  public var mmappedKiB = 0

  public init() {}
}
