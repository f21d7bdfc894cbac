import Foundation
import SightlineFoxglove
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Plain HTTP on the listener (`HTTPRouteHandler`), over real TCP connections: routes such as
/// `/metrics`, the live page, the error answers, silent and trickling clients, a taken port.
@Suite(.timeLimit(.minutes(1))) struct HTTPRouteTests {
  private static let exposition =
    "# TYPE sightline_frames_total counter\nsightline_frames_total 3\n"

  private func server(
    channels: [FoxgloveChannel] = FoxgloveChannel.sightline, timeout: Duration = .seconds(2)
  ) throws -> FoxgloveServer {
    let metrics = HTTPRoute.prometheus { $0.append(contentsOf: Self.exposition.utf8) }
    return try FoxgloveServer(
      address: FoxgloveAddress(host: "127.0.0.1", port: 0), channels: channels,
      routes: [metrics], requestTimeout: timeout)
  }

  private func get(_ port: Int, _ request: String) throws -> (head: String, body: String) {
    let client = try RawWebSocketClient(port: port)
    let head = try client.request(request)
    return (head, try client.readToEnd())
  }

  private func header(_ name: String, in head: String) -> String? {
    head.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
      .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
  }

  @Test func metricsAndThePageAreServed() throws {
    let server = try server()
    defer { server.stop() }
    let metrics = try get(server.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(metrics.head.hasPrefix("HTTP/1.1 200"))
    #expect(header("content-type", in: metrics.head) == "text/plain; version=0.0.4; charset=utf-8")
    #expect(header("content-length", in: metrics.head) == String(Self.exposition.utf8.count))
    #expect(header("connection", in: metrics.head) == "close")
    #expect(metrics.body == Self.exposition)
    let query = try get(server.port, "GET /metrics?x=1 HTTP/1.0\r\n\r\n")
    #expect(query.head.hasPrefix("HTTP/1.0 200"))

    let page = try get(server.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(page.head.hasPrefix("HTTP/1.1 200"))
    #expect(header("content-type", in: page.head) == "text/html; charset=utf-8")
    #expect(page.body.contains("<canvas") && page.body.contains("foxglove.websocket.v1"))
    #expect(!page.body.contains("src=\"http") && !page.body.contains("href=\"http"))

    let head = try get(server.port, "HEAD /metrics HTTP/1.1\r\n\r\n")
    #expect(head.head.hasPrefix("HTTP/1.1 200"))
    #expect(head.body.isEmpty)
    #expect(Int(header("content-length", in: head.head) ?? "") == Self.exposition.utf8.count)
  }

  @Test func otherRequestsGetTheirErrors() throws {
    let server = try server()
    defer { server.stop() }
    let missing = try get(server.port, "GET /metricsx HTTP/1.1\r\n\r\n")
    #expect(missing.head.hasPrefix("HTTP/1.1 404"))
    #expect(missing.body.contains("/metrics") && missing.body.contains("/healthz"))
    let post = try get(server.port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    #expect(post.head.hasPrefix("HTTP/1.1 405"))
    #expect(header("allow", in: post.head) == "GET, HEAD")
    #expect(try get(server.port, "hello\r\n\r\n").head.hasPrefix("HTTP/1.1 400"))
    #expect(try get(server.port, "\u{1}\u{2}\u{3}\n\n").head.hasPrefix("HTTP/1.1 400"))
  }

  @Test func aSilentClientIsClosedAtTheDeadlineAndBlocksNoOne() throws {
    let server = try server(timeout: .milliseconds(300))
    defer { server.stop() }
    let silent = try RawWebSocketClient(port: server.port)
    let started = ContinuousClock.now
    #expect(try get(server.port, "GET /metrics HTTP/1.1\r\n\r\n").head.hasPrefix("HTTP/1.1 200"))
    #expect(ContinuousClock.now - started < .milliseconds(250))
    #expect(try silent.readToEnd().isEmpty)
    #expect(ContinuousClock.now - started < .seconds(3))
  }

  @Test func aTricklingClientIsCutOffAtTheDeadline() throws {
    let server = try server(timeout: .milliseconds(300))
    defer { server.stop() }
    let client = try RawWebSocketClient(port: server.port, timeoutSeconds: 5)
    try client.send(Array("GET /metrics HTTP/1.1\r\nX-Slow: ".utf8))
    // One byte every 20 ms never finishes the head; a per-read timeout would wait forever.
    let started = ContinuousClock.now
    for _ in 0..<25 {
      guard (try? client.send([UInt8(ascii: "a")])) != nil else { break }
      usleep(20_000)
    }
    #expect(try client.readToEnd().isEmpty)
    #expect(ContinuousClock.now - started < .seconds(3))
  }

  @Test func anHTTPOnlyListenerHasNoPageAndNoWebSocket() throws {
    let server = try server(channels: [])
    defer { server.stop() }
    #expect(try get(server.port, "GET / HTTP/1.1\r\n\r\n").head.hasPrefix("HTTP/1.1 404"))
    #expect(try get(server.port, "GET /healthz HTTP/1.1\r\n\r\n").body == "ok")
    let client = try RawWebSocketClient(port: server.port)
    #expect(try client.upgrade(subprotocol: "foxglove.websocket.v1").hasPrefix("HTTP/1.1 400"))
  }

  @Test func aTakenPortGivesAClearError() throws {
    let first = try server()
    defer { first.stop() }
    let error = #expect(throws: FoxgloveServerError.self) {
      _ = try FoxgloveServer(address: FoxgloveAddress(host: "127.0.0.1", port: first.port))
    }
    #expect(error?.description == "listen on 127.0.0.1:\(first.port): Address already in use")
  }
}
