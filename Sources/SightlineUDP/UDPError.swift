// SightlineUDP errors: the failed socket call, what it was about, and the errno text, so a log
// line says what went wrong without a debugger ("bind 0.0.0.0:2368: Address already in use").

import Glibc

public struct UDPError: Error, CustomStringConvertible, Equatable {
  /// The call and its subject, e.g. "bind 0.0.0.0:2368".
  public let operation: String
  /// The errno value.
  public let code: Int32

  public init(operation: String, code: Int32) {
    self.operation = operation
    self.code = code
  }

  public var description: String { "\(operation): \(String(cString: strerror(code)))" }

  /// Reads errno before building the operation text, which may allocate and touch errno.
  static func fromErrno(_ operation: @autoclosure () -> String) -> UDPError {
    let code = errno
    return UDPError(operation: operation(), code: code)
  }
}
