/// A plain `GET` the listener answers beside the WebSocket: a path, its content type, and the
/// body, made for each request (so `/metrics` is fresh on every scrape).
public struct HTTPRoute: Sendable {
  public var path: String
  public var contentType: String
  public var body: @Sendable () -> [UInt8]

  public init(path: String, contentType: String, body: @escaping @Sendable () -> [UInt8]) {
    self.path = path
    self.contentType = contentType
    self.body = body
  }

  /// `GET /healthz`: 200 "ok" while the listener runs.
  public static let health = HTTPRoute(path: "/healthz", contentType: "text/plain; charset=utf-8") {
    Array("ok".utf8)
  }

  /// `GET /`: the live page (`LivePage`), which watches the run over the WebSocket.
  public static let livePage = HTTPRoute(path: "/", contentType: "text/html; charset=utf-8") {
    LivePage.html
  }

  /// A Prometheus text exposition (version 0.0.4) that `render` appends to a buffer.
  public static func prometheus(
    path: String = "/metrics", render: @escaping @Sendable (inout [UInt8]) -> Void
  ) -> HTTPRoute {
    HTTPRoute(path: path, contentType: "text/plain; version=0.0.4; charset=utf-8") {
      var body: [UInt8] = []
      body.reserveCapacity(16_384)
      render(&body)
      return body
    }
  }
}
