#if canImport(Glibc)
  import Glibc
#endif

/// Reads the heap-allocation count of Tools/bench/malloc_count.c when it is preloaded, so
/// benchmarks can prove a loop allocates nothing; nil when it is not.
public enum AllocationCounter {
  typealias CountFunction = @convention(c) () -> UInt
  static let function: CountFunction? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sightline_malloc_count")
    else { return nil }
    return unsafeBitCast(symbol, to: CountFunction.self)
  }()

  public static func count() -> UInt? { function?() }
}
