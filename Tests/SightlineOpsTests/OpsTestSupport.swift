// Test helpers for SightlineOps: a raw-socket HTTP client (URLSession is unreliable on Linux)
// and a small parser for the Prometheus text exposition format.

import Foundation
import Glibc

struct TestFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A blocking TCP client over Glibc sockets, with a receive timeout so a hung server fails the
/// test instead of hanging it.
struct RawClient: ~Copyable {
  let fd: Int32

  init(port: Int, receiveTimeoutSeconds: Int = 10) throws {
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
    var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    // No close(fd) here: `self` is whole, so deinit runs when init throws and closes it. A
    // second close would hit whatever descriptor another thread opened in between (it aborted
    // a concurrent test's libzmq, whose eventfd had taken the number).
    guard connected == 0 else {
      let code = errno
      throw TestFailure("connect 127.0.0.1:\(port): \(String(cString: strerror(code)))")
    }
  }

  deinit { close(fd) }

  func send(_ text: String) throws {
    try send(Array(text.utf8))
  }

  func send(_ bytes: [UInt8]) throws {
    var sent = 0
    while sent < bytes.count {
      let count = bytes.withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
      }
      guard count > 0 else { throw TestFailure("send: errno \(errno)") }
      sent += count
    }
  }

  /// Reads until the server closes (or resets); throws on the receive timeout.
  func readToEnd() throws -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if count == 0 { return result }
      if count < 0 {
        if errno == EINTR { continue }
        if errno == ECONNRESET { return result }  // closed, like end of stream
        throw TestFailure("recv: \(String(cString: strerror(errno))) after \(result.count) bytes")
      }
      result.append(contentsOf: chunk[0..<count])
    }
  }

  /// True when the socket has something to read (data or end of stream) within `milliseconds`.
  func readable(within milliseconds: Int32) -> Bool {
    var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&ready, 1, milliseconds) > 0
  }
}

struct HTTPReply {
  let status: Int
  let headers: [String: String]
  let body: String

  init(_ bytes: [UInt8]) throws {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else {
      throw TestFailure("no end of head in \(text.debugDescription)")
    }
    let headLines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let statusParts = headLines[0].split(separator: " ")
    guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let status = Int(statusParts[1])
    else { throw TestFailure("bad status line \(headLines[0].debugDescription)") }
    self.status = status
    var headers: [String: String] = [:]
    for line in headLines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { throw TestFailure("bad header \(line)") }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
        .trimmingCharacters(in: .whitespaces)
    }
    self.headers = headers
    self.body = String(text[split.upperBound...])
  }
}

/// Sends one request and reads the whole reply.
func httpRequest(port: Int, _ request: String) throws -> HTTPReply {
  let client = try RawClient(port: port)
  try client.send(request)
  return try HTTPReply(client.readToEnd())
}

/// A bound, listening IPv4 socket on an ephemeral loopback port, to occupy a port.
func occupyLoopbackPort() throws -> (fd: Int32, port: Int) {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let ok = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
    }
  }
  guard fd >= 0, ok else { throw TestFailure("could not occupy a port: errno \(errno)") }
  return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// One sample line of the text exposition.
struct Sample: Equatable {
  let name: String
  let labels: [String: String]
  let value: Double
}

/// The parsed exposition: `# TYPE` per family and the samples, in order.
struct Exposition {
  var types: [String: String] = [:]
  var samples: [Sample] = []

  /// Parses strictly: any line that is not a comment, a `# TYPE`/`# HELP` line or a
  /// well-formed sample throws; so does a sample whose family has no `# TYPE` before it.
  init(_ text: String) throws {
    guard text.isEmpty || text.hasSuffix("\n") else {
      throw TestFailure("exposition does not end with a newline")
    }
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
      if line.hasPrefix("# TYPE ") {
        let parts = line.split(separator: " ")
        guard parts.count == 4, Self.isMetricName(parts[2]),
          ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
        else { throw TestFailure("bad TYPE line: \(line)") }
        guard types[String(parts[2])] == nil else {
          throw TestFailure("second TYPE line for \(parts[2])")
        }
        types[String(parts[2])] = String(parts[3])
      } else if line.hasPrefix("#") {
        continue
      } else {
        let sample = try Self.parseSample(line)
        guard family(of: sample.name) != nil else {
          throw TestFailure("sample before its TYPE line: \(line)")
        }
        samples.append(sample)
      }
    }
  }

  /// The family a sample belongs to: its own name, or a histogram's without the suffix.
  func family(of name: String) -> String? {
    if types[name] != nil { return name }
    for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
      let base = String(name.dropLast(suffix.count))
      if let type = types[base], type == "histogram" || type == "summary" { return base }
    }
    return nil
  }

  func values(_ name: String, _ labels: [String: String] = [:]) -> [Double] {
    samples.filter { $0.name == name && $0.labels == labels }.map(\.value)
  }

  /// The one sample with this name and exactly these labels.
  func value(_ name: String, _ labels: [String: String] = [:]) throws -> Double {
    let found = values(name, labels)
    guard found.count == 1 else {
      throw TestFailure("\(found.count) samples \(name)\(labels)")
    }
    return found[0]
  }

  /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
  static func isMetricName<S: StringProtocol>(_ name: S) -> Bool {
    guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else {
      return false
    }
    return name.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || $0 == "_" || $0 == ":"
    }
  }

  /// `name{label="value",...} value`, with `\\`, `\"` and `\n` escapes in label values.
  static func parseSample(_ line: Substring) throws -> Sample {
    let scalars = Array(line.unicodeScalars)
    var index = 0
    var name = ""
    while index < scalars.count, scalars[index] != "{", scalars[index] != " " {
      name.unicodeScalars.append(scalars[index])
      index += 1
    }
    guard !name.isEmpty, isMetricName(name) else { throw TestFailure("bad name in: \(line)") }
    var labels: [String: String] = [:]
    if index < scalars.count, scalars[index] == "{" {
      index += 1
      while true {
        guard index < scalars.count else { throw TestFailure("unterminated labels: \(line)") }
        if scalars[index] == "}" {
          index += 1
          break
        }
        var key = ""
        while index < scalars.count, scalars[index] != "=" {
          key.unicodeScalars.append(scalars[index])
          index += 1
        }
        guard !key.isEmpty, isMetricName(key), !key.contains(":"),
          index + 1 < scalars.count, scalars[index + 1] == "\""
        else { throw TestFailure("bad label in: \(line)") }
        index += 2
        var value = ""
        while true {
          guard index < scalars.count else { throw TestFailure("unterminated value: \(line)") }
          let scalar = scalars[index]
          index += 1
          if scalar == "\"" { break }
          if scalar == "\\" {
            guard index < scalars.count else { throw TestFailure("bad escape: \(line)") }
            switch scalars[index] {
            case "\\": value += "\\"
            case "\"": value += "\""
            case "n": value += "\n"
            default: throw TestFailure("bad escape: \(line)")
            }
            index += 1
          } else {
            value.unicodeScalars.append(scalar)
          }
        }
        guard labels.updateValue(value, forKey: key) == nil else {
          throw TestFailure("repeated label \(key): \(line)")
        }
        if index < scalars.count, scalars[index] == "," { index += 1 }
      }
    }
    guard index < scalars.count, scalars[index] == " " else {
      throw TestFailure("no value in: \(line)")
    }
    let rest = String(String.UnicodeScalarView(scalars[(index + 1)...]))
    let fields = rest.split(separator: " ")
    guard fields.count == 1 || fields.count == 2, let value = parseValue(fields[0]) else {
      throw TestFailure("bad value in: \(line)")
    }
    if fields.count == 2, Int64(fields[1]) == nil {
      throw TestFailure("bad timestamp in: \(line)")
    }
    return Sample(name: name, labels: labels, value: value)
  }

  static func parseValue(_ text: Substring) -> Double? {
    switch text {
    case "+Inf": return .infinity
    case "-Inf": return -.infinity
    case "NaN": return .nan
    default: return Double(text)
    }
  }
}
