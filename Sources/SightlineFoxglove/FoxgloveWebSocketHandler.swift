import NIOCore
import NIOWebSocket

/// A client's WebSocket after the upgrade: sends `serverInfo` and `advertise`, takes
/// `subscribe` and `unsubscribe`, answers pings and close, and resumes the client's queue when
/// its socket drains.
final class FoxgloveWebSocketHandler: ChannelInboundHandler {
  typealias InboundIn = WebSocketFrame
  typealias OutboundOut = WebSocketFrame

  /// The longest text message a client may send (subscriptions are small).
  static let maxTextBytes = 1 << 20

  private let client: FoxgloveClient
  private let clients: FoxgloveClients
  private var text: ByteBuffer?

  init(client: FoxgloveClient, clients: FoxgloveClients) {
    self.client = client
    self.clients = clients
  }

  func handlerAdded(context: ChannelHandlerContext) {
    send(context, FoxgloveProtocol.serverInfo(name: clients.name, sessionID: clients.sessionID))
    send(context, FoxgloveProtocol.advertise(clients.channels))
    context.flush()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    switch frame.opcode {
    case .text:
      text = frame.unmaskedData
      if frame.fin { receivedText(context) }
    case .continuation:
      guard var partial = text else { return }
      var more = frame.unmaskedData
      partial.writeBuffer(&more)
      text = partial
      if partial.readableBytes > Self.maxTextBytes {
        text = nil
        send(context, FoxgloveProtocol.status(.error, "message too long"))
        context.flush()
      } else if frame.fin {
        receivedText(context)
      }
    case .ping:
      let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
      context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
    case .connectionClose:
      let reply = WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)
      let channel = context.channel
      context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in
        channel.close(promise: nil)
      }
    default:
      break  // binary: client publishing is not a capability of this server
    }
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    if context.channel.isWritable { client.flush() }
    context.fireChannelWritabilityChanged()
  }

  func channelInactive(context: ChannelHandlerContext) {
    clients.remove(client)
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    clients.remove(client)
    context.close(promise: nil)
  }

  private func receivedText(_ context: ChannelHandlerContext) {
    guard let message = text else { return }
    text = nil
    switch FoxgloveProtocol.parse(message) {
    case .subscribe(let subscriptions):
      subscribe(context, subscriptions)
    case .unsubscribe(let ids):
      for id in ids where !client.unsubscribe(id: id) {
        send(context, FoxgloveProtocol.status(.warning, "no subscription with id \(id)"))
      }
      clients.subscriptionsChanged()
    case .unsupported(let op):
      send(context, FoxgloveProtocol.status(.warning, "unsupported operation \(op)"))
    case nil:
      send(context, FoxgloveProtocol.status(.error, "malformed message"))
    }
    context.flush()
  }

  private func subscribe(
    _ context: ChannelHandlerContext, _ subscriptions: [FoxgloveProtocol.Subscription]
  ) {
    let known = Set(clients.channels.map(\.id))
    for subscription in subscriptions {
      if !known.contains(subscription.channelId) {
        send(
          context,
          FoxgloveProtocol.status(.warning, "no channel with id \(subscription.channelId)"))
      } else if !client.subscribe(id: subscription.id, channelID: subscription.channelId) {
        send(
          context,
          FoxgloveProtocol.status(.warning, "subscription id \(subscription.id) already in use"))
      }
    }
    clients.subscriptionsChanged()
  }

  private func send(_ context: ChannelHandlerContext, _ json: String) {
    let data = context.channel.allocator.buffer(string: json)
    context.write(
      wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: data)), promise: nil)
  }
}
