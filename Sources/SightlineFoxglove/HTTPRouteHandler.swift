import NIOCore
import NIOHTTP1

/// Plain HTTP on the listener: `GET` or `HEAD` of a route answers 200 with its body; other
/// paths 404, other methods 405, a WebSocket upgrade the server refused (no
/// `foxglove.websocket.v1` subprotocol, or no channels) 400. A connection whose request head
/// has not arrived within `requestTimeout` is closed (HTTP has no answer without a request).
/// Every answer closes its connection. Removed from the pipeline when a connection upgrades.
final class HTTPRouteHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  static let name = "sightline-http"

  private let routes: [String: HTTPRoute]
  private let requestTimeout: TimeAmount
  private var request: HTTPRequestHead?
  private var deadline: Scheduled<Void>?

  init(routes: [HTTPRoute], requestTimeout: TimeAmount) {
    self.routes = Dictionary(routes.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last })
    self.requestTimeout = requestTimeout
  }

  func handlerAdded(context: ChannelHandlerContext) {
    // A client that trickles its head (or sends nothing) is cut off at the deadline.
    let channel = context.channel
    deadline = context.eventLoop.scheduleTask(in: requestTimeout) { channel.close(promise: nil) }
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    deadline?.cancel()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      deadline?.cancel()
      request = head
    case .body:
      break
    case .end:
      guard let head = request else { return }
      request = nil
      answer(context, head)
    }
  }

  private func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
    let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
    if head.headers.contains(name: "upgrade") {
      respond(
        context, version: head.version, status: .badRequest,
        body: "connect with the WebSocket subprotocol \(FoxgloveProtocol.subprotocol)\n")
    } else if let route = routes[path] {
      guard head.method == .GET || head.method == .HEAD else {
        respond(
          context, version: head.version, status: .methodNotAllowed, body: "",
          extraHeaders: [("Allow", "GET, HEAD")])
        return
      }
      respond(
        context, version: head.version, status: .ok, body: route.body(),
        contentType: route.contentType, withBody: head.method == .GET)
    } else {
      let paths = routes.keys.sorted().joined(separator: " ")
      respond(context, version: head.version, status: .notFound, body: "not found; try \(paths)\n")
    }
  }

  private func respond(
    _ context: ChannelHandlerContext, version: HTTPVersion, status: HTTPResponseStatus,
    body: String, extraHeaders: [(String, String)] = []
  ) {
    respond(
      context, version: version, status: status, body: Array(body.utf8),
      contentType: "text/plain; charset=utf-8", extraHeaders: extraHeaders)
  }

  private func respond(
    _ context: ChannelHandlerContext, version: HTTPVersion, status: HTTPResponseStatus,
    body: [UInt8], contentType: String, withBody: Bool = true,
    extraHeaders: [(String, String)] = []
  ) {
    deadline?.cancel()
    var headers = HTTPHeaders(extraHeaders)
    headers.add(name: "Content-Type", value: contentType)
    headers.add(name: "Content-Length", value: String(body.count))
    headers.add(name: "Cache-Control", value: "no-store")
    headers.add(name: "Connection", value: "close")
    let head = HTTPResponseHead(version: version, status: status, headers: headers)
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    if withBody && !body.isEmpty {
      let bytes = context.channel.allocator.buffer(bytes: body)
      context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
    }
    let channel = context.channel
    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
      channel.close(promise: nil)
    }
  }
}
