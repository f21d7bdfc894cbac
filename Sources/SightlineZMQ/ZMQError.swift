// ZMQError: what a libzmq call that failed was doing, and its errno.

import CLibZMQ

public struct ZMQError: Error, CustomStringConvertible, Equatable {
  public let operation: String
  public let code: Int32
  public var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }

  static func last(_ operation: String) -> ZMQError {
    ZMQError(operation: operation, code: zmq_errno())
  }
}
