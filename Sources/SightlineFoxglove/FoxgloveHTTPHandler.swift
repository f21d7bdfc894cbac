import NIOCore
import NIOHTTP1

/// Plain HTTP on the Foxglove port: `GET /healthz` answers 200 "ok"; anything else, including a
/// WebSocket upgrade without the `foxglove.websocket.v1` subprotocol, answers 400. Removed from
/// the pipeline when a connection upgrades.
final class FoxgloveHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  static let name = "foxglove-http"

  private var request: HTTPRequestHead?

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      request = head
    case .body:
      break
    case .end:
      guard let head = request else { return }
      request = nil
      if head.method == .GET && head.uri == "/healthz" {
        respond(context, version: head.version, status: .ok, body: "ok")
      } else {
        respond(
          context, version: head.version, status: .badRequest,
          body: "a Foxglove WebSocket server: connect with subprotocol "
            + "\(FoxgloveProtocol.subprotocol)\n")
      }
    }
  }

  private func respond(
    _ context: ChannelHandlerContext, version: HTTPVersion, status: HTTPResponseStatus,
    body: String
  ) {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
    headers.add(name: "Content-Length", value: String(body.utf8.count))
    headers.add(name: "Connection", value: "close")
    let head = HTTPResponseHead(version: version, status: status, headers: headers)
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    let bytes = context.channel.allocator.buffer(string: body)
    context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
    let channel = context.channel
    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
      channel.close(promise: nil)
    }
  }
}
