// ZMQPoller: waits for input on several ZMQSockets at once.

import CLibZMQ

#if canImport(Glibc)
  import Glibc
#endif

/// Waits on several sockets at once. Not Sendable: it belongs with its sockets' thread.
public final class ZMQPoller {
  private var items: [zmq_pollitem_t]

  public init(_ sockets: [ZMQSocket]) {
    items = sockets.map {
      zmq_pollitem_t(socket: $0.pollHandle, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0)
    }
  }

  /// Waits up to `timeoutMilliseconds`; returns how many sockets have input.
  @discardableResult
  public func wait(timeoutMilliseconds: Int) throws(ZMQError) -> Int {
    let ready = items.withUnsafeMutableBufferPointer {
      zmq_poll($0.baseAddress, Int32($0.count), timeoutMilliseconds)
    }
    if ready < 0 {
      let code = zmq_errno()
      if code == EINTR { return 0 }
      throw ZMQError(operation: "poll", code: code)
    }
    return Int(ready)
  }

  public func isReadable(_ index: Int) -> Bool {
    items[index].revents & Int16(ZMQ_POLLIN) != 0
  }
}
