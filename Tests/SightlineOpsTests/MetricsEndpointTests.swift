// PrometheusEndpoint over real TCP connections on loopback: the scrape itself, the error
// answers, slow and silent clients, a taken port, and stopping.

import Glibc
import SightlineOps
import Testing

@Suite(.timeLimit(.minutes(1)))
struct MetricsEndpointTests {
  /// Three frames and two drop reasons, served on an ephemeral port.
  private func startedEndpoint(readTimeout: Duration = .seconds(2)) throws -> (
    PrometheusEndpoint, Int
  ) {
    let metrics = RuntimeMetrics()
    for (index, duration) in [0.004, 0.012, 0.030].enumerated() {
      metrics.record(
        frame: FrameSample(durationSeconds: duration, v2xAgents: index, lidarPacketsTotal: 10))
    }
    metrics.setDrops(reason: "v2x.stale", total: 4)
    metrics.setDrops(reason: "lidar.garbage", total: 2)
    let endpoint = try PrometheusEndpoint(
      address: "127.0.0.1:0", metrics: metrics, readTimeout: readTimeout)
    try endpoint.start()
    let port = try #require(endpoint.port)
    #expect(port > 0)
    return (endpoint, port)
  }

  @Test func getMetricsServesTheExposition() throws {
    let (endpoint, port) = try startedEndpoint()
    defer { endpoint.stop() }
    let reply = try httpRequest(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(reply.status == 200)
    #expect(reply.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
    #expect(reply.headers["connection"] == "close")
    #expect(reply.headers["content-length"] == String(reply.body.utf8.count))
    #expect(reply.body.split(separator: "\n").contains("sightline_frames_total 3"))

    let exposition = try Exposition(reply.body)
    #expect(try exposition.value("sightline_frames_total") == 3)
    #expect(try exposition.value("sightline_drops_total", ["reason": "v2x.stale"]) == 4)
    #expect(try exposition.value("sightline_drops_total", ["reason": "lidar.garbage"]) == 2)
    for quantile in RuntimeMetrics.quantileLabels {
      #expect(
        exposition.values("sightline_frame_time_quantile_seconds", ["quantile": quantile]).count
          == 1)
    }
    // Refreshed on scrape: the max is the 30 ms frame.
    #expect(
      try exposition.value("sightline_frame_time_quantile_seconds", ["quantile": "1"]) == 0.030)

    // A second scrape on a new connection works too (the thread went back to accept).
    let again = try httpRequest(port: port, "GET /metrics?x=1 HTTP/1.0\r\n\r\n")
    #expect(again.status == 200)
  }

  @Test func otherRequestsGetTheirErrors() throws {
    let (endpoint, port) = try startedEndpoint()
    defer { endpoint.stop() }
    #expect(try httpRequest(port: port, "GET / HTTP/1.1\r\n\r\n").status == 404)
    #expect(try httpRequest(port: port, "GET /metricsx HTTP/1.1\r\n\r\n").status == 404)
    let post = try httpRequest(port: port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    #expect(post.status == 405)
    #expect(post.headers["allow"] == "GET, HEAD")
    #expect(try httpRequest(port: port, "hello\r\n\r\n").status == 400)
    #expect(try httpRequest(port: port, "GET /metrics HTTP/2.0\r\n\r\n").status == 400)
    #expect(try httpRequest(port: port, "GET  /metrics HTTP/1.1\r\n\r\n").status == 400)
    #expect(try httpRequest(port: port, "\u{1}\u{2}\u{3}\n\n").status == 400)

    let head = try httpRequest(port: port, "HEAD /metrics HTTP/1.1\r\n\r\n")
    #expect(head.status == 200)
    #expect(head.body.isEmpty)
    #expect(Int(head.headers["content-length"] ?? "") ?? 0 > 0)

    // A head that never ends within 8 KiB.
    let client = try RawClient(port: port)
    try client.send("GET /metrics HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 9000))
    #expect(try HTTPReply(client.readToEnd()).status == 431)
  }

  @Test func aSilentClientDoesNotBlockTheNextOne() throws {
    let (endpoint, port) = try startedEndpoint(readTimeout: .milliseconds(300))
    defer { endpoint.stop() }
    let silent = try RawClient(port: port)
    // Served after the silent client's read timeout; the client gives up after 10 s.
    let reply = try httpRequest(port: port, "GET /metrics HTTP/1.1\r\n\r\n")
    #expect(reply.status == 200)
    #expect(try HTTPReply(silent.readToEnd()).status == 408)
  }

  @Test func aTricklingClientIsCutOffAtTheDeadline() throws {
    let (endpoint, port) = try startedEndpoint(readTimeout: .milliseconds(300))
    defer { endpoint.stop() }
    let client = try RawClient(port: port)
    try client.send("GET /metrics HTTP/1.1\r\nX-Slow: ")
    // One byte every 20 ms never finishes the head; a per-read timeout would wait forever.
    var answered = false
    for _ in 0..<500 where !answered {
      try client.send("a")
      answered = client.readable(within: 20)
    }
    #expect(answered)
    #expect(try HTTPReply(client.readToEnd()).status == 408)
  }

  @Test func aTakenPortGivesAClearError() throws {
    let (fd, port) = try occupyLoopbackPort()
    defer { close(fd) }
    let endpoint = try PrometheusEndpoint(address: "127.0.0.1:\(port)") { _ in }
    let error = #expect(throws: MetricsEndpointError.self) { try endpoint.start() }
    #expect(error == .system(operation: "bind 127.0.0.1:\(port)", code: EADDRINUSE))
    #expect(error?.description == "bind 127.0.0.1:\(port): Address already in use")
    #expect(endpoint.port == nil)
  }

  @Test func stopClosesThePortEvenMidRequest() throws {
    let (endpoint, port) = try startedEndpoint()
    #expect(try httpRequest(port: port, "GET /metrics HTTP/1.1\r\n\r\n").status == 200)
    let silent = try RawClient(port: port)  // the thread is now waiting on this client
    let answeredEarly = silent.readable(within: 100)
    #expect(!answeredEarly)
    endpoint.stop()
    #expect(endpoint.port == nil)
    endpoint.stop()  // twice is fine
    #expect(try silent.readToEnd().isEmpty)  // closed without an answer
    #expect(throws: TestFailure.self) { _ = try RawClient(port: port) }

    // It can start again.
    try endpoint.start()
    let newPort = try #require(endpoint.port)
    #expect(try httpRequest(port: newPort, "GET /metrics HTTP/1.1\r\n\r\n").status == 200)
    #expect(throws: MetricsEndpointError.alreadyRunning(address: "127.0.0.1:0")) {
      try endpoint.start()
    }
    endpoint.stop()
  }

  @Test func releasingTheEndpointStopsIt() throws {
    var port = 0
    do {
      let (endpoint, bound) = try startedEndpoint()
      port = bound
      #expect(try httpRequest(port: port, "GET /metrics HTTP/1.1\r\n\r\n").status == 200)
      withExtendedLifetime(endpoint) {}
    }
    #expect(throws: TestFailure.self) { _ = try RawClient(port: port) }
  }

  @Test(arguments: [
    "9464", "127.0.0.1:99999", "127.0.0.1:", "example.com:9464", "::1:9464", "[::1]9464",
    "256.0.0.1:80",
  ])
  func badAddressesAreRejected(_ address: String) throws {
    let error = #expect(throws: MetricsEndpointError.self) {
      _ = try PrometheusEndpoint(address: address) { _ in }
    }
    guard case .invalidAddress(let text, _) = error else {
      Issue.record("expected invalidAddress, got \(String(describing: error))")
      return
    }
    #expect(text == address)
  }

  @Test(arguments: ["127.0.0.1:0", "localhost:9464", ":9464", "0.0.0.0:1", "[::1]:0", "[::]:80"])
  func goodAddressesAreAccepted(_ address: String) throws {
    let endpoint = try PrometheusEndpoint(address: address) { _ in }
    #expect(endpoint.address == address)
    #expect(endpoint.port == nil)
  }
}
