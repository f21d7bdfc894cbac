import CMalloc
import Foundation

/// The run's own memory: glibc's malloc kept to few arenas with its free pages handed back, and
/// measured (resident, peak, the heap's own figures) for the run's summary.
public enum ProcessMemory {
  /// glibc gives a thread that finds its arena busy an arena of its own (up to 8 per core) and
  /// each keeps its free chunks resident; the run's threads allocate little once running, so
  /// two arenas cost nothing in time and 4–8 MiB less memory (Tools/bench/RESULTS.md). Call it
  /// before the run's threads start.
  public static func limitArenas(_ arenas: Int32 = 2) {
    _ = mallopt(M_ARENA_MAX, arenas)
  }

  /// Hands every free page inside the heap back to the kernel: start-up leaves megabytes of
  /// freed temporaries (tables built once, buffers that grew) that glibc would keep resident.
  public static func trim() {
    _ = malloc_trim(0)
  }

  /// Resident memory now and at its peak (the kernel's VmRSS and VmHWM) and glibc's heap.
  public static func snapshot() -> MemorySnapshot {
    var snapshot = MemorySnapshot()
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
      for line in status.split(separator: "\n") {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
        if fields[0] == "VmRSS:" { snapshot.residentKiB = kib }
        if fields[0] == "VmHWM:" { snapshot.peakResidentKiB = kib }
      }
    }
    let heap = mallinfo2()
    snapshot.heapInUseKiB = Int(heap.uordblks) >> 10
    snapshot.heapFreeKiB = Int(heap.fordblks) >> 10
    snapshot.mmappedKiB = Int(heap.hblkhd) >> 10
    return snapshot
  }
}
