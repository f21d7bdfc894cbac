// ZAPAuthenticator: the ZAP (ZeroMQ RFC 27) handler that decides which CURVE clients a context's
// servers let in. libzmq asks `inproc://zeromq.zap.01` on the server's own context about every
// handshake; this answers from one thread that owns the REP socket bound there.
//
// Policy, per ZAP domain (each server socket names its domain, so the V2X input and the grid
// output can trust different peers): mechanism CURVE with a client key in that domain's
// allow-list → 200; anything else (other mechanisms, unknown domains, malformed requests) → 400
// or 500. One authenticator per context; it holds the context, so the context outlives it.
//
// The thread receives each request into a ZAPRequest and answers what ZAPPolicy decides.

import CLibZMQ
import Foundation

/// Answers libzmq's ZAP requests for one context from its own thread. Shareable: the socket
/// never leaves that thread; callers only see counts behind a lock.
public final class ZAPAuthenticator: Sendable {
  public static let endpoint = "inproc://zeromq.zap.01"

  /// Handshakes decided since the start. A refused client retries (every 100 ms by default), so
  /// one unknown peer counts many denials.
  public struct Counts: Equatable, Sendable {
    public var accepted = 0
    public var denied = 0
    /// Why the latest handshake was refused: domain, client key, address.
    public var lastDenial: String?
  }

  public let context: ZMQContext
  /// The ZAP domains that have an allow-list.
  public let domains: Set<String>
  private let state = SharedState()

  /// Binds the handler before returning; bind the server sockets after. Throws when another
  /// handler is already bound on `context`.
  public init(context: ZMQContext, allowLists: [String: CurveAllowList]) throws(ZMQError) {
    guard !allowLists.isEmpty, !allowLists.keys.contains("") else {
      throw ZMQError(
        operation: "ZAP authenticator: needs allow-lists for named domains", code: EINVAL)
    }
    self.context = context
    domains = Set(allowLists.keys)
    let policy = ZAPPolicy(allowLists)
    let state = state
    let thread = Thread {
      Self.serve(context: context, policy: policy, state: state)
      state.finish()
    }
    thread.name = "sightline-zap"
    thread.start()
    if let failure = state.waitUntilStarted() { throw failure }
  }

  public convenience init(context: ZMQContext, domain: String, allowList: CurveAllowList)
    throws(ZMQError)
  {
    try self.init(context: context, allowLists: [domain: allowList])
  }

  deinit { stop() }

  public var counts: Counts { state.counts }

  /// False once stopped, or when the handler's socket failed (see `failure`).
  public var isRunning: Bool { state.isRunning }
  public var failure: ZMQError? { state.failure }

  /// Stops answering and closes the handler's socket; returns once its thread is done (within
  /// the poll interval). Servers set up with it then refuse new clients (ZAP_ENFORCE_DOMAIN).
  public func stop() { state.stopAndWait() }

  // MARK: - The handler's thread

  /// How often the thread looks at the stop flag while idle.
  static let pollMilliseconds = 100

  private static func serve(context: ZMQContext, policy: ZAPPolicy, state: SharedState) {
    guard let socket = zmq_socket(context.handle, ZMQ_REP) else {
      state.fail(.last("ZAP handler: zmq_socket"))
      return
    }
    defer { zmq_close(socket) }
    _ = ZMQSocketOption.linger.set(0, on: socket)
    guard zmq_bind(socket, endpoint) == 0 else {
      state.fail(.last("ZAP handler: bind \(endpoint) (one handler per context)"))
      return
    }
    // Closing a socket frees its inproc endpoint later, on libzmq's reaper thread; unbinding
    // frees it now, so a handler made right after `stop()` can bind it again.
    defer { _ = zmq_unbind(socket, endpoint) }
    state.started()

    var request = ZAPRequest()
    defer { request.deallocate() }
    while !state.stopRequested {
      var item = zmq_pollitem_t(socket: socket, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0)
      let ready = zmq_poll(&item, 1, pollMilliseconds)
      if ready < 0 && zmq_errno() == EINTR { continue }
      guard ready >= 0 else { return state.fail(.last("ZAP handler: poll")) }
      guard ready > 0 else { continue }
      guard request.receive(from: socket) else {
        return state.fail(.last("ZAP handler: receive"))
      }
      let verdict = policy.judge(request)
      state.record(verdict)
      guard reply(verdict, to: request, on: socket) else {
        return state.fail(.last("ZAP handler: send"))
      }
    }
  }

  /// version, request id, status code, status text, user id (the client's key), metadata.
  private static func reply(
    _ verdict: ZAPPolicy.Verdict, to request: ZAPRequest, on socket: UnsafeMutableRawPointer
  ) -> Bool {
    let empty = UnsafeRawBufferPointer(start: nil, count: 0)
    let requestId = request.frames.count > 1 ? request.frame(1) : empty
    var sent = send("1.0", on: socket) && send(requestId, more: true, on: socket)
    switch verdict {
    case .accept(let key):
      sent =
        sent && send("200", on: socket) && send("OK", on: socket)
        && key.withZ85 { send($0, more: true, on: socket) }
    case .deny(let code, let text, _):
      sent =
        sent && send(code, on: socket) && send(text, on: socket)
        && send(empty, more: true, on: socket)
    }
    return sent && send(empty, more: false, on: socket)
  }

  private static func send(_ text: StaticString, on socket: UnsafeMutableRawPointer) -> Bool {
    send(
      UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount), more: true,
      on: socket)
  }

  private static func send(
    _ bytes: UnsafeRawBufferPointer, more: Bool, on socket: UnsafeMutableRawPointer
  ) -> Bool {
    while zmq_send(socket, bytes.baseAddress, bytes.count, more ? ZMQ_SNDMORE : 0) < 0 {
      guard zmq_errno() == EINTR else { return false }
    }
    return true
  }
}

/// Everything the handler's thread and its callers share, behind one lock.
private final class SharedState: @unchecked Sendable {
  private let condition = NSCondition()
  private var phase = Phase.starting
  private var stopFlag = false
  private var countsValue = ZAPAuthenticator.Counts()
  private var failureValue: ZMQError?

  enum Phase { case starting, running, finished }

  private func locked<T>(_ body: () -> T) -> T {
    condition.lock()
    defer { condition.unlock() }
    return body()
  }

  var counts: ZAPAuthenticator.Counts { locked { countsValue } }
  var failure: ZMQError? { locked { failureValue } }
  var isRunning: Bool { locked { phase == .running && !stopFlag } }
  var stopRequested: Bool { locked { stopFlag } }

  func started() {
    locked {
      phase = .running
      condition.broadcast()
    }
  }

  func fail(_ error: ZMQError) { locked { failureValue = error } }

  func finish() {
    locked {
      phase = .finished
      condition.broadcast()
    }
  }

  /// The failure that kept the handler from starting, if any.
  func waitUntilStarted() -> ZMQError? {
    locked {
      while phase == .starting { condition.wait() }
      return phase == .finished ? failureValue : nil
    }
  }

  func stopAndWait() {
    locked {
      stopFlag = true
      while phase != .finished { condition.wait() }
    }
  }

  func record(_ verdict: ZAPPolicy.Verdict) {
    locked {
      switch verdict {
      case .accept: countsValue.accepted += 1
      case .deny(_, _, let reason):
        countsValue.denied += 1
        countsValue.lastDenial = reason
      }
    }
  }
}
