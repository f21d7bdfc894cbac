// SightlineZstd errors: every libzstd failure surfaces as one of these, carrying
// ZSTD_getErrorName's text, so a damaged recording or a misconfigured level is a thrown error
// with a readable cause, never a crash.

/// A libzstd call failed (or its input was unusable); `message` says why.
public struct ZstdError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The operation that failed, e.g. "ZSTD_compress2" or "decompress".
  public var operation: String
  /// libzstd's error name, or this module's own explanation.
  public var message: String

  public init(operation: String, message: String) {
    self.operation = operation
    self.message = message
  }

  public var description: String { "zstd: \(operation) failed: \(message)" }
}
