import Foundation

#if canImport(Glibc)
  import Glibc
  private let systemClose = Glibc.close
  private let systemSend = Glibc.send
#elseif canImport(Darwin)
  import Darwin
  private let systemClose = Darwin.close
  private let systemSend = Darwin.send
#endif

/// A blocking WebSocket client on a plain socket, small enough to read: the handshake, masked
/// text frames out, unmasked frames in. For the tests and the benchmarks of `FoxgloveServer`,
/// which can also just stop reading (a stalled client, with a small receive buffer).
/// One thread at a time.
public final class RawWebSocketClient: @unchecked Sendable {
  public struct Failure: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
  }

  private let fd: Int32
  private var pending: [UInt8] = []
  private var chunk = [UInt8](repeating: 0, count: 65536)

  /// Connects to 127.0.0.1:`port`; `receiveBuffer` shrinks the socket's receive buffer.
  public init(port: Int, receiveBuffer: Int32? = nil, timeoutSeconds: Int = 10) throws {
    #if canImport(Glibc)
      fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw Failure(description: "socket failed") }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    if var size = receiveBuffer {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard result == 0 else {
      _ = systemClose(fd)
      throw Failure(description: "connect failed")
    }
  }

  deinit { _ = systemClose(fd) }

  public func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes[offset...].withUnsafeBytes { systemSend(fd, $0.baseAddress, $0.count, 0) }
      guard sent > 0 else { throw Failure(description: "send failed") }
      offset += sent
    }
  }

  /// Sends an HTTP request and returns the response head (status line and headers).
  public func request(_ head: String) throws -> String {
    try send(Array(head.utf8))
    let end: [UInt8] = [13, 10, 13, 10]
    while true {
      if let range = pending.firstRange(of: end) {
        let text = String(decoding: pending[..<range.lowerBound], as: UTF8.self)
        pending.removeSubrange(..<range.upperBound)
        return text
      }
      try receiveMore()
    }
  }

  /// The rest of the connection until the server closes it (an HTTP body).
  public func readToEnd() throws -> String {
    while (try? receiveMore()) != nil {}
    return String(decoding: pending, as: UTF8.self)
  }

  /// The WebSocket handshake; returns the response head.
  public func upgrade(subprotocol: String?) throws -> String {
    var head = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    head += "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    head += "Sec-WebSocket-Version: 13\r\n"
    if let subprotocol { head += "Sec-WebSocket-Protocol: \(subprotocol)\r\n" }
    return try request(head + "\r\n")
  }

  /// The WebSocket handshake with the Foxglove subprotocol, `serverInfo` and `advertise` read,
  /// then a `subscribe` for `subscriptions` (subscription id → channel id). The server takes
  /// it soon after (`FoxgloveServer.subscriptionCount`).
  public func openFoxglove(subscribing subscriptions: [UInt32: UInt32]) throws {
    let head = try upgrade(subprotocol: FoxgloveProtocol.subprotocol)
    guard head.hasPrefix("HTTP/1.1 101") else { throw Failure(description: "no upgrade: \(head)") }
    for op in ["serverInfo", "advertise"] {
      guard try readJSON()["op"] as? String == op else { throw Failure(description: "no \(op)") }
    }
    let list = subscriptions.sorted { $0.key < $1.key }.map {
      #"{"id":\#($0.key),"channelId":\#($0.value)}"#
    }
    try sendText(#"{"op":"subscribe","subscriptions":[\#(list.joined(separator: ","))]}"#)
  }

  /// A masked text frame.
  public func sendText(_ text: String) throws {
    let payload = Array(text.utf8)
    var frame: [UInt8] = [0x81]
    if payload.count < 126 {
      frame.append(0x80 | UInt8(payload.count))
    } else {
      frame.append(0x80 | 126)
      frame.append(contentsOf: [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)])
    }
    let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
    frame.append(contentsOf: mask)
    frame.append(contentsOf: payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
    try send(frame)
  }

  /// The next frame from the server: its opcode and payload.
  public func readFrame() throws -> (opcode: UInt8, payload: [UInt8]) {
    try fill(2)
    let opcode = pending[0] & 0x0f
    var length = Int(pending[1] & 0x7f)
    var header = 2
    if length == 126 {
      try fill(4)
      length = Int(pending[2]) << 8 | Int(pending[3])
      header = 4
    } else if length == 127 {
      try fill(10)
      length = pending[2..<10].reduce(0) { $0 << 8 | Int($1) }
      header = 10
    }
    try fill(header + length)
    let payload = Array(pending[header..<(header + length)])
    pending.removeSubrange(..<(header + length))
    return (opcode, payload)
  }

  /// The next text frame, parsed as a JSON object.
  public func readJSON() throws -> [String: Any] {
    let frame = try readFrame()
    guard frame.opcode == 1,
      let object = try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any]
    else { throw Failure(description: "expected a JSON text frame, got opcode \(frame.opcode)") }
    return object
  }

  private func fill(_ count: Int) throws {
    while pending.count < count { try receiveMore() }
  }

  private func receiveMore() throws {
    let fd = fd
    let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    guard received > 0 else { throw Failure(description: "connection closed or timed out") }
    pending.append(contentsOf: chunk[..<received])
  }
}
