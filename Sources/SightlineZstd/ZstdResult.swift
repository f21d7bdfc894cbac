// libzstd reports errors inside its size_t results; this is the one place they are unpacked.

import CZstd

/// Checking libzstd's `size_t` results.
enum ZstdResult {
  /// `code` itself, or a `ZstdError` with ZSTD_getErrorName's text if it is an error code.
  static func check(_ code: Int, _ operation: String) throws(ZstdError) -> Int {
    if ZSTD_isError(code) != 0 {
      throw ZstdError(operation: operation, message: String(cString: ZSTD_getErrorName(code)))
    }
    return code
  }
}
