// SightlineZMQ: the ZeroMQ edge. A context owner that threads may share (ZMQContext), and
// sockets that belong to one thread (ZMQSocket, configured with typed ZMQSocketOptions, waited on
// together with a ZMQPoller). Sends never block the caller: a full queue is reported, not waited
// on. CURVE encryption and authentication: keys and allow-lists (CurveKeyPair, CurvePublicKey,
// CurveAllowList), the socket set-up (ZMQSocket+Curve.swift) and the ZAP handler that checks
// clients (ZAPAuthenticator).

import CLibZMQ

#if canImport(Glibc)
  import Glibc
#endif

/// One libzmq socket. Not Sendable: libzmq sockets must stay on the thread that uses them.
public final class ZMQSocket {
  private var handle: UnsafeMutableRawPointer?
  // Keeps the context alive as long as the socket.
  let context: ZMQContext
  // A CURVE server's ZAP handler (ZMQSocket+Curve.swift), kept running as long as the socket.
  var authenticator: ZAPAuthenticator?

  public init(context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
    guard let handle = zmq_socket(context.handle, type.rawValue) else {
      throw .last("zmq_socket")
    }
    self.context = context
    self.handle = handle
    // Never let an absent subscriber hold up shutdown forever.
    try setOption(.linger, 1000)
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

  // MARK: - Options

  public func setOption(_ option: ZMQSocketOption<Int32>, _ value: Int32) throws(ZMQError) {
    guard option.set(value, on: try live("setsockopt")) else { throw setFailure(option) }
  }

  public func setOption(_ option: ZMQSocketOption<Bool>, _ value: Bool) throws(ZMQError) {
    guard option.set(value, on: try live("setsockopt")) else { throw setFailure(option) }
  }

  /// Sets a text option, without a trailing NUL.
  public func setOption(_ option: ZMQSocketOption<String>, _ value: String) throws(ZMQError) {
    guard option.set(value, on: try live("setsockopt")) else { throw setFailure(option) }
  }

  public func setOption(_ option: ZMQSocketOption<[UInt8]>, _ value: [UInt8]) throws(ZMQError) {
    guard option.set(value, on: try live("setsockopt")) else { throw setFailure(option) }
  }

  public func setOption(_ option: ZMQSocketOption<CurvePublicKey>, _ value: CurvePublicKey)
    throws(ZMQError)
  {
    guard option.set(value, on: try live("setsockopt")) else { throw setFailure(option) }
  }

  public func setOption(_ option: ZMQSocketOption<CurveSecretKey>, _ value: CurveSecretKey)
    throws(ZMQError)
  {
    guard option.set(value, on: try live("setsockopt")) else { throw setFailure(option) }
  }

  public func getOption(_ option: ZMQSocketOption<Int32>) throws(ZMQError) -> Int32 {
    guard let value = option.get(from: try live("getsockopt")) else { throw getFailure(option) }
    return value
  }

  public func getOption(_ option: ZMQSocketOption<Bool>) throws(ZMQError) -> Bool {
    guard let value = option.get(from: try live("getsockopt")) else { throw getFailure(option) }
    return value
  }

  /// Reads a text option (up to 1 KiB).
  public func getOption(_ option: ZMQSocketOption<String>) throws(ZMQError) -> String {
    guard let value = option.get(from: try live("getsockopt")) else { throw getFailure(option) }
    return value
  }

  public func getOption(_ option: ZMQSocketOption<CurvePublicKey>) throws(ZMQError)
    -> CurvePublicKey
  {
    guard let value = option.get(from: try live("getsockopt")) else { throw getFailure(option) }
    return value
  }

  public func getOption(_ option: ZMQSocketOption<CurveSecretKey>) throws(ZMQError)
    -> CurveSecretKey
  {
    guard let value = option.get(from: try live("getsockopt")) else { throw getFailure(option) }
    return value
  }

  private func setFailure<Value>(_ option: ZMQSocketOption<Value>) -> ZMQError {
    .last("setsockopt \(option.rawValue)")
  }

  private func getFailure<Value>(_ option: ZMQSocketOption<Value>) -> ZMQError {
    .last("getsockopt \(option.rawValue)")
  }

  /// The endpoint last bound or connected; after binding `tcp://host:*`, with the real port.
  /// Empty before the first bind or connect.
  public var lastEndpoint: String {
    get throws(ZMQError) {
      guard let endpoint = ZMQSocketOption.lastEndpoint.get(from: try live("last endpoint")) else {
        throw .last("getsockopt ZMQ_LAST_ENDPOINT")
      }
      return endpoint
    }
  }

  public func subscribe(prefix: [UInt8]) throws(ZMQError) {
    guard ZMQSocketOption.subscribe.set(prefix, on: try live("subscribe")) else {
      throw .last("subscribe")
    }
  }

  /// How long `close` may keep unsent messages (ms; 0 drops them at once, −1 waits forever).
  public func setLinger(milliseconds: Int32) throws(ZMQError) {
    try setOption(.linger, milliseconds)
  }

  public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
    try setOption(.sendHighWaterMark, messages)
  }
  public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
    try setOption(.receiveHighWaterMark, messages)
  }
  /// XPUB: pass every subscription up, not only the first for each prefix.
  public func setVerboseSubscriptions() throws(ZMQError) { try setOption(.xpubVerbose, true) }
  /// Keep only the newest message (single-frame messages only).
  public func setConflate(_ on: Bool) throws(ZMQError) { try setOption(.conflate, on) }

  // MARK: - Sending and receiving

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
    let more = ZMQSocketOption.receiveMore.get(from: handle) ?? false
    return ReceivedFrame(size: Int(size), more: more)
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
