// SightlineMCAP outputs: where the writer's bytes go. Memory for tests and small recordings
// (MCAPMemoryOutput), a file descriptor for real ones (MCAPFileOutput).

/// A sink for the writer's bytes. The writer needs the running position because MCAP indexes
/// are absolute file offsets.
public protocol MCAPOutput {
  /// Appends all of `bytes` or throws; a partial write must not be reported as success.
  mutating func write(_ bytes: UnsafeRawBufferPointer) throws(MCAPError)
  /// Bytes written so far: the file offset the next byte will land at.
  var position: UInt64 { get }
}
