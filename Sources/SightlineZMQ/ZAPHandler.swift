// ZAPAuthenticator: the ZAP (ZeroMQ RFC 27) handler that decides which CURVE clients a context's
// servers let in. libzmq asks `inproc://zeromq.zap.01` on the server's own context about every
// handshake; this answers from one thread that owns the REP socket bound there.
//
// Policy, per ZAP domain (each server socket names its domain, so the V2X input and the grid
// output can trust different peers): mechanism CURVE with a client key in that domain's
// allow-list → 200; anything else (other mechanisms, unknown domains, malformed requests) → 400
// or 500. One authenticator per context; it holds the context, so the context outlives it.

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
    let policy = Policy(allowLists)
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

  private static func serve(context: ZMQContext, policy: Policy, state: SharedState) {
    guard let socket = zmq_socket(context.handle, ZMQ_REP) else {
      state.fail(.last("ZAP handler: zmq_socket"))
      return
    }
    defer { zmq_close(socket) }
    var linger: Int32 = 0
    zmq_setsockopt(socket, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    guard zmq_bind(socket, endpoint) == 0 else {
      state.fail(.last("ZAP handler: bind \(endpoint) (one handler per context)"))
      return
    }
    state.started()

    var request = Request()
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
    _ verdict: Verdict, to request: Request, on socket: UnsafeMutableRawPointer
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

// MARK: - Requests and the policy

private enum Verdict {
  case accept(CurveKeyBytes)
  /// Status code, status text for the client, reason for `Counts.lastDenial`.
  case deny(StaticString, StaticString, reason: String)
}

/// One ZAP request's frames, received into a buffer reused for every request.
private struct Request {
  static let capacity = 4096
  static let maximumFrames = 16
  let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
  /// Kept frames' ranges in `buffer`; frames past `maximumFrames` are read and dropped.
  var frames = [Range<Int>]()
  var frameCount = 0
  /// A frame did not fit whole: the request is treated as malformed.
  var truncated = false

  init() { frames.reserveCapacity(Self.maximumFrames) }

  func deallocate() { buffer.deallocate() }

  func frame(_ index: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: buffer[frames[index]])
  }

  func frame(_ index: Int, is text: StaticString) -> Bool {
    frame(index).elementsEqual(
      UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  func text(_ index: Int) -> String {
    index < frames.count ? String(decoding: frame(index), as: UTF8.self) : ""
  }

  /// Reads every frame of the next message (one is waiting). False on a socket error.
  mutating func receive(from socket: UnsafeMutableRawPointer) -> Bool {
    frames.removeAll(keepingCapacity: true)
    frameCount = 0
    truncated = false
    var used = 0
    var more: Int32 = 1
    while more != 0 {
      let room = buffer.count - used
      let size = zmq_recv(socket, buffer.baseAddress.map { $0 + used }, room, 0)
      if size < 0 {
        if zmq_errno() == EINTR { continue }
        return false
      }
      let kept = min(Int(size), room)
      if Int(size) > room { truncated = true }
      if frames.count < Self.maximumFrames { frames.append(used..<(used + kept)) }
      frameCount += 1
      used += kept
      var length = MemoryLayout<Int32>.size
      guard zmq_getsockopt(socket, ZMQ_RCVMORE, &more, &length) == 0 else { return false }
    }
    return true
  }
}

/// The allow-list per ZAP domain.
private struct Policy: Sendable {
  struct Domain: Sendable {
    let name: [UInt8]
    let allowList: CurveAllowList
  }
  let domains: [Domain]

  init(_ allowLists: [String: CurveAllowList]) {
    domains = allowLists.map { Domain(name: Array($0.key.utf8), allowList: $0.value) }
  }

  // Frames: version, request id, domain, address, identity, mechanism, credentials...
  func judge(_ request: Request) -> Verdict {
    guard request.frameCount >= 6, !request.truncated, request.frames.count == request.frameCount
    else {
      return .deny("500", "Malformed request", reason: "malformed ZAP request")
    }
    guard request.frame(0, is: "1.0") else {
      return .deny("500", "Unsupported version", reason: "ZAP version \"\(request.text(0))\"")
    }
    // Only denials pay for text.
    func place() -> String { "domain \"\(request.text(2))\", from \(request.text(3))" }
    let domainName = request.frame(2)
    guard let domain = domains.first(where: { domainName.elementsEqual($0.name) }) else {
      return .deny("400", "Unknown domain", reason: "\(place()): no allow-list for the domain")
    }
    guard request.frame(5, is: "CURVE") else {
      return .deny(
        "400", "Mechanism not allowed", reason: "\(place()): mechanism \(request.text(5))")
    }
    guard request.frameCount == 7, request.frame(6).count == 32 else {
      return .deny(
        "400", "Malformed credentials", reason: "\(place()): malformed CURVE credentials")
    }
    let key = CurveKeyBytes(request.frame(6))
    guard domain.allowList.contains(key) else {
      return .deny(
        "400", "Key not allowed", reason: "\(place()): client key \(key.z85) not allowed")
    }
    return .accept(key)
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

  func record(_ verdict: Verdict) {
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
