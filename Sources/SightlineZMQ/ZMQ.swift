// SightlineZMQ: the ZeroMQ edge. A context owner that threads may share, and sockets that belong
// to one thread. Sends never block the caller: a full queue is reported, not waited on.

import CLibZMQ

#if canImport(Glibc)
  import Glibc
#endif

public struct ZMQError: Error, CustomStringConvertible, Equatable {
  public let operation: String
  public let code: Int32
  public var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }

  static func last(_ operation: String) -> ZMQError {
    ZMQError(operation: operation, code: zmq_errno())
  }
}

/// Owns a libzmq context. libzmq contexts are thread-safe, hence `@unchecked Sendable`.
public final class ZMQContext: @unchecked Sendable {
  let handle: UnsafeMutableRawPointer

  public init() throws(ZMQError) {
    guard let handle = zmq_ctx_new() else { throw .last("zmq_ctx_new") }
    self.handle = handle
  }

  deinit { zmq_ctx_term(handle) }
}

public enum ZMQSocketType: Int32, Sendable {
  case publisher = 1  // ZMQ_PUB
  case subscriber = 2  // ZMQ_SUB
  /// A publisher that also receives subscriptions: lets a replay wait for its subscribers.
  case extendedPublisher = 9  // ZMQ_XPUB
}

/// One libzmq socket. Not Sendable: libzmq sockets must stay on the thread that uses them.
public final class ZMQSocket {
  private var handle: UnsafeMutableRawPointer?
  // Keeps the context alive as long as the socket.
  let context: ZMQContext
  // A CURVE server's ZAP handler (Curve.swift), kept running as long as the socket.
  var authenticator: ZAPAuthenticator?

  public init(context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
    guard let handle = zmq_socket(context.handle, type.rawValue) else {
      throw .last("zmq_socket")
    }
    self.context = context
    self.handle = handle
    // Never let an absent subscriber hold up shutdown forever.
    try setOption(ZMQ_LINGER, 1000)
  }

  deinit { close() }

  public func close() {
    if let handle { zmq_close(handle) }
    handle = nil
  }

  private func live(_ operation: String) throws(ZMQError) -> UnsafeMutableRawPointer {
    guard let handle else { throw ZMQError(operation: operation, code: ENOTSOCK) }
    return handle
  }

  public func bind(_ endpoint: String) throws(ZMQError) {
    guard zmq_bind(try live("bind"), endpoint) == 0 else { throw .last("bind \(endpoint)") }
  }

  public func connect(_ endpoint: String) throws(ZMQError) {
    guard zmq_connect(try live("connect"), endpoint) == 0 else {
      throw .last("connect \(endpoint)")
    }
  }

  public func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
    var value = value
    let result = zmq_setsockopt(try live("setsockopt"), option, &value, MemoryLayout<Int32>.size)
    guard result == 0 else { throw .last("setsockopt \(option)") }
  }

  /// Sets a binary option (CURVE keys as 32 raw bytes).
  public func setOption(_ option: Int32, bytes: UnsafeRawBufferPointer) throws(ZMQError) {
    let result = zmq_setsockopt(try live("setsockopt"), option, bytes.baseAddress, bytes.count)
    guard result == 0 else { throw .last("setsockopt \(option)") }
  }

  /// Sets a string option (ZAP domain), without a trailing NUL.
  public func setOption(_ option: Int32, _ value: String) throws(ZMQError) {
    let handle = try live("setsockopt")
    var value = value
    let result = value.withUTF8 { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
    guard result == 0 else { throw .last("setsockopt \(option)") }
  }

  /// The endpoint last bound or connected; after binding `tcp://host:*`, with the real port.
  /// Empty before the first bind or connect.
  public var lastEndpoint: String {
    get throws(ZMQError) {
      let handle = try live("last endpoint")
      return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: 1024) {
        (buffer) throws(ZMQError) -> String in
        var length = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, buffer.baseAddress, &length) == 0
        else { throw .last("getsockopt ZMQ_LAST_ENDPOINT") }
        // The value is NUL-terminated within `length`.
        let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: length)
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
      }
    }
  }

  public func subscribe(prefix: [UInt8]) throws(ZMQError) {
    let handle = try live("subscribe")
    let result = prefix.withUnsafeBytes {
      zmq_setsockopt(handle, ZMQ_SUBSCRIBE, $0.baseAddress, $0.count)
    }
    guard result == 0 else { throw .last("subscribe") }
  }

  /// How long `close` may keep unsent messages (ms; 0 drops them at once, −1 waits forever).
  public func setLinger(milliseconds: Int32) throws(ZMQError) {
    try setOption(ZMQ_LINGER, milliseconds)
  }

  public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
    try setOption(ZMQ_SNDHWM, messages)
  }
  public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
    try setOption(ZMQ_RCVHWM, messages)
  }
  /// XPUB: pass every subscription up, not only the first for each prefix.
  public func setVerboseSubscriptions() throws(ZMQError) { try setOption(ZMQ_XPUB_VERBOSE, 1) }
  /// Keep only the newest message (single-frame messages only).
  public func setConflate(_ on: Bool) throws(ZMQError) { try setOption(ZMQ_CONFLATE, on ? 1 : 0) }

  /// Sends one single-frame message without blocking. Returns false when the message could not
  /// be queued right now (a full high-water mark); PUB sockets drop instead.
  /// `more`: further frames of the same multipart message follow.
  public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false) throws(ZMQError) -> Bool {
    let handle = try live("send")
    let flags = ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0)
    if zmq_send(handle, bytes.baseAddress, bytes.count, flags) >= 0 { return true }
    let code = zmq_errno()
    if code == EAGAIN { return false }
    throw ZMQError(operation: "send", code: code)
  }

  public func send(_ bytes: [UInt8], more: Bool = false) throws(ZMQError) -> Bool {
    var result: Result<Bool, ZMQError> = .success(false)
    bytes.withUnsafeBytes { buffer in
      do throws(ZMQError) {
        result = .success(try send(buffer, more: more))
      } catch {
        result = .failure(error)
      }
    }
    return try result.get()
  }

  /// Waits up to `timeoutMilliseconds` (−1: forever) for a message and returns it whole, or nil
  /// on time-out.
  public func receive(timeoutMilliseconds: Int) throws(ZMQError) -> [UInt8]? {
    guard try waitReadable(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
    let handle = try live("receive")
    var message = zmq_msg_t()
    zmq_msg_init(&message)
    defer { zmq_msg_close(&message) }
    guard zmq_msg_recv(&message, handle, ZMQ_DONTWAIT) >= 0 else {
      let code = zmq_errno()
      if code == EAGAIN { return nil }
      throw ZMQError(operation: "receive", code: code)
    }
    let size = zmq_msg_size(&message)
    guard size > 0, let data = zmq_msg_data(&message) else { return [] }
    return Array(UnsafeRawBufferPointer(start: data, count: size))
  }

  /// One frame received into a caller's buffer. `size` is the frame's real size: when it is
  /// larger than the buffer, only the buffer's worth was kept (the caller counts it oversized).
  public struct ReceivedFrame: Sendable, Equatable {
    public var size: Int
    /// More frames of the same multipart message follow.
    public var more: Bool
  }

  /// Receives the next frame into `buffer` without blocking and without allocating; nil when
  /// nothing is waiting.
  public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(ZMQError)
    -> ReceivedFrame?
  {
    let handle = try live("receive")
    let size = zmq_recv(handle, buffer.baseAddress, buffer.count, ZMQ_DONTWAIT)
    if size < 0 {
      let code = zmq_errno()
      if code == EAGAIN || code == EINTR { return nil }
      throw ZMQError(operation: "receive", code: code)
    }
    var more: Int32 = 0
    var length = MemoryLayout<Int32>.size
    zmq_getsockopt(handle, ZMQ_RCVMORE, &more, &length)
    return ReceivedFrame(size: Int(size), more: more != 0)
  }

  /// The raw handle, for `ZMQPoller`.
  var pollHandle: UnsafeMutableRawPointer? { handle }

  /// Polls the socket for input; true when a message is ready.
  public func waitReadable(timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
    var item = zmq_pollitem_t(
      socket: try live("poll"), fd: -1, events: Int16(ZMQ_POLLIN), revents: 0)
    let ready = zmq_poll(&item, 1, timeoutMilliseconds)
    if ready < 0 {
      let code = zmq_errno()
      if code == EINTR { return false }
      throw ZMQError(operation: "poll", code: code)
    }
    return ready > 0 && item.revents & Int16(ZMQ_POLLIN) != 0
  }
}

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
