// SightlineOps: the Prometheus scrape endpoint. A tiny HTTP/1.1 server of our own (no NIO) on
// one background thread: a blocking accept loop over Glibc sockets that answers `GET /metrics`
// with the text exposition format, one connection at a time, each closed after its answer.

import Glibc
import Synchronization

import class Prometheus.PrometheusCollectorRegistry

public enum MetricsEndpointError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The configured address is not "host:port".
  case invalidAddress(String, reason: String)
  /// `start()` was called while the endpoint was running.
  case alreadyRunning(address: String)
  /// A system call failed: `operation` names it and its subject, e.g. "bind 127.0.0.1:9464".
  case system(operation: String, code: Int32)

  public var description: String {
    switch self {
    case .invalidAddress(let text, let reason):
      "metrics address \"\(text)\": \(reason)"
    case .alreadyRunning(let address):
      "metrics endpoint \(address) is already running"
    case .system(let operation, let code):
      "\(operation): \(String(cString: strerror(code)))"
    }
  }

  /// Reads errno before building the operation text, which may touch errno.
  static func fromErrno(_ operation: @autoclosure () -> String) -> MetricsEndpointError {
    let code = errno
    return .system(operation: operation(), code: code)
  }
}

/// Serves `GET /metrics` over HTTP/1.1 on a configured "host:port".
///
/// One connection is served at a time: a scrape takes microseconds, and a client that sends
/// nothing (or trickles bytes) holds the thread for at most `readTimeout`, then gets 408.
public final class PrometheusEndpoint: Sendable {
  /// The address as configured, e.g. "127.0.0.1:9464"; port 0 asks for an ephemeral port.
  public let address: String
  /// How long a client has to send its whole request head (at least 1 ms).
  public let readTimeout: Duration
  /// The longest request head accepted (431 beyond).
  public static let maxRequestHeadBytes = 8192

  private let parsed: EndpointAddress
  private let render: @Sendable (inout [UInt8]) -> Void
  private let running = Mutex<RunningServer?>(nil)

  /// Serves whatever `render` appends to the buffer it is given (the text exposition).
  public init(
    address: String, readTimeout: Duration = .seconds(2),
    render: @escaping @Sendable (inout [UInt8]) -> Void
  ) throws(MetricsEndpointError) {
    self.address = address
    self.readTimeout = max(readTimeout, .milliseconds(1))
    self.parsed = try EndpointAddress(address)
    self.render = render
  }

  /// Serves a registry as it is.
  public convenience init(
    address: String, registry: PrometheusCollectorRegistry, readTimeout: Duration = .seconds(2)
  ) throws(MetricsEndpointError) {
    try self.init(address: address, readTimeout: readTimeout) { registry.emit(into: &$0) }
  }

  /// Serves the runtime's metrics, refreshing the frame-time quantiles on each scrape.
  public convenience init(
    address: String, metrics: RuntimeMetrics, readTimeout: Duration = .seconds(2)
  ) throws(MetricsEndpointError) {
    try self.init(address: address, readTimeout: readTimeout) { metrics.emit(into: &$0) }
  }

  deinit {
    stop()
  }

  /// The port bound by `start()` (the ephemeral one when configured with port 0); nil when
  /// not running.
  public var port: Int? {
    running.withLock { $0.map { Int($0.port) } }
  }

  /// Binds, listens and starts the server thread. Throws e.g.
  /// "bind 127.0.0.1:9464: Address already in use".
  public func start() throws(MetricsEndpointError) {
    try running.withLock { (running) throws(MetricsEndpointError) in
      guard running == nil else { throw .alreadyRunning(address: address) }
      let (listener, port) = try parsed.listen(describedAs: address)
      let loop = ServerLoop(listener: listener, readTimeout: readTimeout, render: render)
      var thread = pthread_t()
      let context = Unmanaged.passRetained(loop).toOpaque()
      let status = pthread_create(
        &thread, nil,
        { context in
          guard let context else { return nil }
          let loop = Unmanaged<ServerLoop>.fromOpaque(context).takeRetainedValue()
          loop.run()
          return nil
        }, context)
      guard status == 0 else {
        Unmanaged<ServerLoop>.fromOpaque(context).release()
        close(listener)
        throw .system(operation: "start metrics thread", code: status)
      }
      running = RunningServer(loop: loop, thread: thread, port: port)
    }
  }

  /// Stops accepting, ends the thread (within its poll interval, even mid-request) and
  /// closes the socket. Safe to call more than once.
  public func stop() {
    guard let server = running.withLock({ $0.take() }) else { return }
    server.loop.stopping.store(true, ordering: .releasing)
    pthread_join(server.thread, nil)
    close(server.loop.listener)
  }
}

private struct RunningServer: Sendable {
  let loop: ServerLoop
  let thread: pthread_t
  let port: UInt16
}

/// "host:port" with host an IPv4 address, "[IPv6]", "localhost", or empty for all interfaces.
struct EndpointAddress: Sendable, Equatable {
  let host: String
  let port: UInt16
  let isIPv6: Bool

  init(_ text: String) throws(MetricsEndpointError) {
    let hostText: Substring
    let portText: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]"),
        text[text.index(after: close)...].hasPrefix(":")
      else { throw .invalidAddress(text, reason: "expected [IPv6]:port") }
      hostText = text[text.index(after: text.startIndex)..<close]
      portText = text[text.index(close, offsetBy: 2)...]
      isIPv6 = true
    } else {
      guard let colon = text.lastIndex(of: ":") else {
        throw .invalidAddress(text, reason: "expected host:port, e.g. 127.0.0.1:9464")
      }
      hostText = text[..<colon]
      portText = text[text.index(after: colon)...]
      guard !hostText.contains(":") else {
        throw .invalidAddress(text, reason: "an IPv6 host needs brackets, e.g. [::1]:9464")
      }
      isIPv6 = false
    }
    guard let port = UInt16(portText) else {
      throw .invalidAddress(text, reason: "port must be a number 0…65535")
    }
    self.port = port
    switch hostText {
    case "": host = isIPv6 ? "::" : "0.0.0.0"
    case "localhost": host = "127.0.0.1"
    default: host = String(hostText)
    }
    var probe = in6_addr()
    guard inet_pton(isIPv6 ? AF_INET6 : AF_INET, host, &probe) == 1 else {
      throw .invalidAddress(
        text, reason: "host must be an IPv4 address, [IPv6 address], or localhost")
    }
  }

  /// Opens a listening TCP socket; returns it and the port it got.
  func listen(describedAs description: String) throws(MetricsEndpointError) -> (Int32, UInt16) {
    let family = isIPv6 ? AF_INET6 : AF_INET
    let listener = socket(
      family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue),
      0)
    guard listener >= 0 else { throw .fromErrno("socket for \(description)") }
    func fail(_ operation: String) -> MetricsEndpointError {
      let error = MetricsEndpointError.fromErrno(operation)
      close(listener)
      return error
    }
    var one: Int32 = 1
    guard
      setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        == 0
    else { throw fail("setsockopt SO_REUSEADDR \(description)") }

    var storage = sockaddr_storage()
    let length: socklen_t
    if isIPv6 {
      var address = sockaddr_in6()
      address.sin6_family = sa_family_t(AF_INET6)
      address.sin6_port = port.bigEndian
      inet_pton(AF_INET6, host, &address.sin6_addr)
      withUnsafeBytes(of: address) { source in
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) }
      }
      length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    } else {
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = port.bigEndian
      inet_pton(AF_INET, host, &address.sin_addr)
      withUnsafeBytes(of: address) { source in
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) }
      }
      length = socklen_t(MemoryLayout<sockaddr_in>.size)
    }
    let bound = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
    }
    guard bound == 0 else { throw fail("bind \(description)") }
    guard Glibc.listen(listener, 16) == 0 else { throw fail("listen \(description)") }

    var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let named = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        getsockname(listener, $0, &boundLength)
      }
    }
    guard named == 0 else { throw fail("getsockname \(description)") }
    // sin_port and sin6_port sit at the same offset.
    let boundPort = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
        UInt16(bigEndian: $0.pointee.sin_port)
      }
    }
    return (listener, boundPort)
  }
}

/// The server thread's state; the thread holds its own reference, so the endpoint can go away.
private final class ServerLoop: Sendable {
  let listener: Int32
  let readTimeout: Duration
  let render: @Sendable (inout [UInt8]) -> Void
  let stopping = Atomic<Bool>(false)
  /// How often waits wake to check `stopping`.
  static let pollMilliseconds: Int32 = 50

  init(listener: Int32, readTimeout: Duration, render: @escaping @Sendable (inout [UInt8]) -> Void)
  {
    self.listener = listener
    self.readTimeout = readTimeout
    self.render = render
  }

  var shouldStop: Bool { stopping.load(ordering: .acquiring) }

  func run() {
    var head = [UInt8](repeating: 0, count: PrometheusEndpoint.maxRequestHeadBytes)
    var body: [UInt8] = []
    while !shouldStop {
      var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&ready, 1, Self.pollMilliseconds) > 0 else { continue }
      // accept4 is a GNU extension the Glibc module does not import; set FD_CLOEXEC after.
      let client = accept(listener, nil, nil)
      guard client >= 0 else {
        // Out of descriptors or memory: back off instead of spinning on the pending connection.
        if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
          usleep(100_000)
        }
        continue
      }
      _ = fcntl(client, F_SETFD, FD_CLOEXEC)
      serve(client, head: &head, body: &body)
      close(client)
    }
  }

  private func serve(_ client: Int32, head: inout [UInt8], body: inout [UInt8]) {
    let deadline = ContinuousClock.now.advanced(by: readTimeout)
    var timeout = timeval(
      tv_sec: Int(readTimeout.components.seconds),
      tv_usec: Int(readTimeout.components.attoseconds / 1_000_000_000_000))
    _ = setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

    let response: HTTPResponse
    switch readHead(client, into: &head, deadline: deadline) {
    case .stopped, .closed(0):
      return
    case .closed:
      response = .badRequest  // the client hung up mid-head
    case .timedOut:
      response = .timeout
    case .tooLarge:
      response = .headTooLarge
    case .complete(let length):
      response = HTTPResponse.answer(toHead: head[..<length])
    }
    body.removeAll(keepingCapacity: true)
    if response.servesMetrics {
      render(&body)
    } else {
      body.append(contentsOf: response.message.utf8)
    }
    write(client, response.head(contentLength: body.count), deadline: deadline)
    if response.includesBody {
      body.withUnsafeBytes { write(client, $0, deadline: deadline) }
    }
    finish(client)
  }

  private enum HeadResult {
    case complete(Int)
    case closed(Int)
    case timedOut
    case tooLarge
    case stopped
  }

  /// Reads until the blank line ending the head; one deadline for the whole head, so a client
  /// trickling a byte at a time cannot hold the thread past it.
  private func readHead(
    _ client: Int32, into buffer: inout [UInt8], deadline: ContinuousClock.Instant
  )
    -> HeadResult
  {
    var used = 0
    while true {
      if shouldStop { return .stopped }
      let remaining = deadline - .now
      guard remaining > .zero else { return .timedOut }
      let wait = Int32(min(Double(Self.pollMilliseconds), remaining / .milliseconds(1)) + 1)
      var ready = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
      let polled = poll(&ready, 1, wait)
      if polled < 0 && errno != EINTR { return .closed(used) }
      guard polled > 0 else { continue }
      let count = buffer.withUnsafeMutableBytes { bytes in
        guard let base = bytes.baseAddress else { return 0 }
        return recv(client, base + used, bytes.count - used, 0)
      }
      if count == 0 { return .closed(used) }
      if count < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        return .closed(used)
      }
      let searchFrom = max(0, used - 3)
      used += count
      if let end = HTTPResponse.endOfHead(buffer[searchFrom..<used]) { return .complete(end) }
      if used == buffer.count { return .tooLarge }
    }
  }

  private func write(_ client: Int32, _ text: String, deadline: ContinuousClock.Instant) {
    var text = text
    text.withUTF8 { write(client, UnsafeRawBufferPointer($0), deadline: deadline) }
  }

  /// Sends everything or gives up at the deadline (SO_SNDTIMEO bounds each call).
  private func write(
    _ client: Int32, _ bytes: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant
  ) {
    guard let base = bytes.baseAddress else { return }
    var sent = 0
    while sent < bytes.count {
      let count = send(client, base + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
      if count < 0 {
        if errno == EINTR && ContinuousClock.now < deadline && !shouldStop { continue }
        return
      }
      sent += count
    }
  }

  /// Half-closes, then reads what the client still sends (briefly): closing with unread bytes
  /// would reset the connection and could cut off the response the client has not read yet.
  private func finish(_ client: Int32) {
    _ = shutdown(client, Int32(SHUT_WR))
    var scratch = [UInt8](repeating: 0, count: 512)
    var drained = 0
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(200))
    while drained < 65536 && ContinuousClock.now < deadline && !shouldStop {
      var ready = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
      guard poll(&ready, 1, Self.pollMilliseconds) > 0 else { continue }
      let count = scratch.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
      if count <= 0 { return }
      drained += count
    }
  }
}

/// The few answers the endpoint gives, and the request-line parsing that picks one.
struct HTTPResponse: Equatable, Sendable {
  let status: String
  let message: String
  var servesMetrics = false
  var includesBody = true
  var extraHeaders = ""

  static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

  static let badRequest = HTTPResponse(status: "400 Bad Request", message: "bad request\n")
  static let notFound = HTTPResponse(
    status: "404 Not Found", message: "not found; metrics are at /metrics\n")
  static let methodNotAllowed = HTTPResponse(
    status: "405 Method Not Allowed", message: "method not allowed\n",
    extraHeaders: "Allow: GET, HEAD\r\n")
  static let timeout = HTTPResponse(status: "408 Request Timeout", message: "request timeout\n")
  static let headTooLarge = HTTPResponse(
    status: "431 Request Header Fields Too Large", message: "request head too large\n")

  func head(contentLength: Int) -> String {
    let type = servesMetrics ? Self.metricsContentType : "text/plain; charset=utf-8"
    return "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(contentLength)\r\n"
      + "\(extraHeaders)Connection: close\r\n\r\n"
  }

  /// Where the head ends (just past its blank line), if `bytes` holds it; bare LFs are accepted.
  static func endOfHead(_ bytes: ArraySlice<UInt8>) -> Int? {
    var index = bytes.startIndex
    while index < bytes.endIndex {
      if bytes[index] == UInt8(ascii: "\n") {
        let next = index + 1
        if next < bytes.endIndex && bytes[next] == UInt8(ascii: "\n") { return next + 1 }
        if next + 1 < bytes.endIndex && bytes[next] == UInt8(ascii: "\r")
          && bytes[next + 1] == UInt8(ascii: "\n")
        {
          return next + 2
        }
      }
      index += 1
    }
    return nil
  }

  /// Picks the answer from the request line: "METHOD SP target SP HTTP/1.x".
  static func answer(toHead head: ArraySlice<UInt8>) -> HTTPResponse {
    let lineEnd = head.firstIndex(of: UInt8(ascii: "\n")) ?? head.endIndex
    var line = head[head.startIndex..<lineEnd]
    if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
    let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
    guard parts.count == 3, let method = parts.first, let target = parts.dropFirst().first,
      let version = parts.last,
      !method.isEmpty, method.allSatisfy(isTokenByte),
      target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
      version.elementsEqual("HTTP/1.1".utf8) || version.elementsEqual("HTTP/1.0".utf8)
    else { return .badRequest }

    let path = target.prefix { $0 != UInt8(ascii: "?") }
    guard path.elementsEqual("/metrics".utf8) else { return .notFound }
    if method.elementsEqual("GET".utf8) {
      return HTTPResponse(status: "200 OK", message: "", servesMetrics: true)
    }
    if method.elementsEqual("HEAD".utf8) {
      return HTTPResponse(status: "200 OK", message: "", servesMetrics: true, includesBody: false)
    }
    return .methodNotAllowed
  }

  /// RFC 9110 token characters.
  private static func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    default:
      return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
  }
}
