import Foundation
import SightlineLive

#if canImport(Glibc)
  import Glibc
#endif

/// The process's resident memory (RSS, Linux's /proc/self/statm), read on a thread of its own
/// every `intervalMicroseconds` from `start` to `stop`: where it started, the highest sample and
/// where it ended. Elsewhere there is nothing to read, and `stop` returns nil.
final class ResidentMemorySampler: Sendable {
  struct Samples: Sendable {
    var start: Int
    var peak: Int
    var end: Int
  }

  private let intervalMicroseconds: UInt32
  private let worker = WorkerThread(name: "sightline-bench-rss")
  private let box = SamplesBox()

  init(intervalMicroseconds: UInt32 = 10_000) {
    self.intervalMicroseconds = intervalMicroseconds
  }

  func start() {
    guard let first = Self.current() else { return }
    box.samples = Samples(start: first, peak: first, end: first)
    let interval = intervalMicroseconds
    worker.start { [box] worker in
      while !worker.isStopping {
        usleep(interval)
        if let bytes = Self.current() { box.add(bytes) }
      }
    }
  }

  /// Stops sampling; the figures in bytes.
  func stop() -> Samples? {
    guard box.samples != nil else { return nil }
    worker.stop()
    worker.join()
    if let bytes = Self.current() { box.add(bytes) }
    return box.samples
  }

  /// Resident bytes now (nil where /proc/self/statm is not there).
  static func current() -> Int? {
    #if os(Linux)
      let fd = open("/proc/self/statm", O_RDONLY)
      guard fd >= 0 else { return nil }
      defer { close(fd) }
      var buffer = [UInt8](repeating: 0, count: 256)
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      guard count > 0 else { return nil }
      // "size resident shared text lib data dt", in pages.
      let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
      guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else {
        return nil
      }
      return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    #else
      return nil
    #endif
  }
}

/// The samples, shared with the sampling thread.
private final class SamplesBox: @unchecked Sendable {
  private let lock = NSLock()
  private var value: ResidentMemorySampler.Samples?

  var samples: ResidentMemorySampler.Samples? {
    get { lock.withLock { value } }
    set { lock.withLock { value = newValue } }
  }

  func add(_ bytes: Int) {
    lock.withLock {
      guard var samples = value else { return }
      samples.peak = max(samples.peak, bytes)
      samples.end = bytes
      value = samples
    }
  }
}
