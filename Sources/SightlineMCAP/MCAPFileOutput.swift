// SightlineMCAP file edge: the module's only I/O. MCAPFileOutput writes a recording to a file
// descriptor; readWholeFile is the whole-file read behind the reader's path entry points.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes the recording to a file it creates (or truncates). Owns the descriptor: `close()`
/// reports close errors (where delayed write errors surface); deinit closes silently as a
/// fallback. A class so the writer and its caller share one descriptor and one position.
public final class MCAPFileOutput: MCAPOutput {
  /// The path as given, for error messages.
  public let path: String
  public private(set) var position: UInt64 = 0
  private var descriptor: Int32

  /// Creates or truncates `path` (mode 0644).
  public init(path: String) throws(MCAPError) {
    self.path = path
    let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
    let descriptor = open(path, flags, 0o644)
    if descriptor < 0 { throw .io(operation: "open", path: path, errno: errno) }
    self.descriptor = descriptor
  }

  deinit {
    if descriptor >= 0 { _ = systemClose(descriptor) }
  }

  /// Whether `close()` has been called.
  public var isClosed: Bool { descriptor < 0 }

  public func write(_ bytes: UnsafeRawBufferPointer) throws(MCAPError) {
    guard descriptor >= 0 else { throw .fileClosed(path: path) }
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
      let written = systemWrite(descriptor, base + offset, bytes.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        throw .io(operation: "write", path: path, errno: errno)
      }
      offset += written
      position += UInt64(written)
    }
  }

  /// Flushes the file to stable storage, for recordings that must survive a power cut.
  public func sync() throws(MCAPError) {
    guard descriptor >= 0 else { throw .fileClosed(path: path) }
    if fsync(descriptor) != 0 { throw .io(operation: "fsync", path: path, errno: errno) }
  }

  /// Closes the descriptor. Closing twice is harmless.
  public func close() throws(MCAPError) {
    guard descriptor >= 0 else { return }
    let result = systemClose(descriptor)
    descriptor = -1
    if result != 0 { throw .io(operation: "close", path: path, errno: errno) }
  }
}

/// Reads a whole file into memory, for `MCAPReader(path:)` and `MCAPReader.recover(path:)`.
func readWholeFile(path: String) throws(MCAPError) -> [UInt8] {
  let descriptor = open(path, O_RDONLY | O_CLOEXEC)
  if descriptor < 0 { throw .io(operation: "open", path: path, errno: errno) }
  defer { _ = systemClose(descriptor) }
  var bytes: [UInt8] = []
  let sizeHint = lseek(descriptor, 0, SEEK_END)
  if sizeHint > 0 { bytes.reserveCapacity(Int(sizeHint)) }
  if lseek(descriptor, 0, SEEK_SET) < 0 {
    throw .io(operation: "seek", path: path, errno: errno)
  }
  var block = [UInt8](repeating: 0, count: 1 << 20)
  while true {
    let count = block.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
    if count < 0 {
      if errno == EINTR { continue }
      throw .io(operation: "read", path: path, errno: errno)
    }
    if count == 0 { return bytes }
    bytes.append(contentsOf: block[0..<count])
  }
}

// The C calls under names that do not collide with this module's `write`/`close` methods.
@inline(__always) private func systemWrite(
  _ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int
) -> Int {
  write(descriptor, buffer, count)
}

@inline(__always) private func systemRead(
  _ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int
) -> Int {
  read(descriptor, buffer, count)
}

@inline(__always) private func systemClose(_ descriptor: Int32) -> Int32 {
  close(descriptor)
}
