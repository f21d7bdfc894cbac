/// Collects the recording in memory: tests, and callers that ship the bytes elsewhere.
public struct MCAPMemoryOutput: MCAPOutput, Sendable {
  /// Everything written so far.
  public private(set) var bytes: [UInt8] = []

  public init() {}

  public var position: UInt64 { UInt64(bytes.count) }

  public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(MCAPError) {
    self.bytes.append(contentsOf: bytes)
  }
}
