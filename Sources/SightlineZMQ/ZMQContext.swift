// ZMQContext: the libzmq context that sockets, pollers and a ZAPAuthenticator share.

import CLibZMQ

/// Owns a libzmq context. libzmq contexts are thread-safe, hence `@unchecked Sendable`.
public final class ZMQContext: @unchecked Sendable {
  let handle: UnsafeMutableRawPointer

  public init() throws(ZMQError) {
    guard let handle = zmq_ctx_new() else { throw .last("zmq_ctx_new") }
    self.handle = handle
  }

  deinit { zmq_ctx_term(handle) }
}
