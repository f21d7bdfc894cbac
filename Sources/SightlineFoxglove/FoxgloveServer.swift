import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A run's HTTP listener, and a Foxglove WebSocket server (ws-protocol v1, subprotocol
/// `foxglove.websocket.v1`) so that the run can be watched live in Foxglove or in the browser.
/// On connect a client gets `serverInfo` and `advertise` for `channels`; it subscribes to
/// channels and receives `MessageData` (binary) for them. Plain `GET`s are `routes`
/// (`HTTPRouteHandler`): `/healthz` always, the live page `/` when there are channels, and
/// whatever the run adds, such as `/metrics`. With no channels it is an HTTP listener only.
///
/// `publish` is for the frame side: it never waits for the network. Each client has a queue of
/// at most `queueLimit` messages that drops its oldest when full (`dropped` counts them), and
/// its event loop moves messages to the socket while the socket keeps up.
public final class FoxgloveServer: @unchecked Sendable {
  /// Where the server listens; the port is the bound one (port 0 asks for a free port).
  public let address: FoxgloveAddress
  public var port: Int { address.port }
  public var channels: [FoxgloveChannel] { clients.channels }

  private let clients: FoxgloveClients
  private let group: MultiThreadedEventLoopGroup
  private let listener: any Channel
  private let lock = NIOLock()
  private var stopped = false

  /// Binds `address` and starts serving on a thread of its own.
  public init(
    address: FoxgloveAddress, channels: [FoxgloveChannel] = FoxgloveChannel.sightline,
    name: String = "sightline", queueLimit: Int = 16, routes: [HTTPRoute] = [],
    requestTimeout: Duration = .seconds(5)
  ) throws(FoxgloveServerError) {
    let (seconds, attoseconds) = requestTimeout.components
    let timeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    let clients = FoxgloveClients(
      channels: channels, name: name, sessionID: UUID().uuidString, queueLimit: queueLimit)
    let served = [HTTPRoute.health] + (channels.isEmpty ? [] : [HTTPRoute.livePage]) + routes
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 16)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelOption(
        .writeBufferWaterMark, value: .init(low: 256 * 1024, high: Self.writeBufferHighWatermark)
      )
      .childChannelInitializer { channel in
        Self.initialize(channel, clients: clients, routes: served, requestTimeout: timeout)
      }
    do {
      listener = try bootstrap.bind(host: address.host, port: address.port).wait()
    } catch {
      try? group.syncShutdownGracefully()
      throw FoxgloveServerError(address: address, underlying: error)
    }
    self.clients = clients
    self.group = group
    self.address = FoxgloveAddress(
      host: address.host, port: listener.localAddress?.port ?? address.port)
  }

  deinit { stop() }

  /// The channels at least one client subscribed to: the frame side skips converting others.
  public var subscribedChannels: Set<UInt32> { clients.subscribedChannels }

  /// Whether any client is subscribed to any channel.
  public var hasSubscribers: Bool { clients.hasSubscribers }

  /// Connected clients.
  public var clientCount: Int { clients.count }
  /// Clients that connected since the start.
  public var clientsConnected: Int { clients.connected }
  /// Messages dropped because a client fell behind (its queue was full), all clients so far.
  public var dropped: Int { clients.dropped }
  /// Messages handed to client sockets, all clients so far.
  public var sent: Int { clients.sent }
  /// Messages queued for clients (one per matching subscription), all clients so far: each is
  /// sent, dropped, or still waiting.
  public var offered: Int { clients.offered }
  /// Subscriptions of the connected clients.
  public var subscriptionCount: Int { clients.subscriptionCount }
  /// The messages and bytes waiting for clients' sockets, and the most one client ever had.
  public var backlog: FoxgloveBacklog { clients.backlog }
  /// Most messages a client's queue holds before it drops its oldest.
  public var queueLimit: Int { clients.queueLimit }
  /// Bytes a client's channel takes before the server stops writing to it (the high watermark).
  public static let writeBufferHighWatermark = 1024 * 1024

  /// Queues `payload` on `channelID` for every subscribed client, stamped `timestamp`
  /// (nanoseconds). Any thread; returns without waiting for the network.
  public func publish(channelID: UInt32, timestamp: UInt64, payload: UnsafeRawBufferPointer) {
    clients.publish(channelID: channelID, timestamp: timestamp, payload: payload)
  }

  public func publish(channelID: UInt32, timestamp: UInt64, payload: [UInt8]) {
    payload.withUnsafeBytes { publish(channelID: channelID, timestamp: timestamp, payload: $0) }
  }

  /// Stops listening, sends each client what is queued and a close frame (waiting at most
  /// `grace` for them to go out), and ends the server's thread. Idempotent. Not on the
  /// server's event loop.
  public func stop(grace: TimeAmount = .seconds(2)) {
    let first = lock.withLock {
      defer { stopped = true }
      return !stopped
    }
    guard first else { return }
    try? listener.close().wait()
    let connected = clients.closeAll()
    let deadline = NIODeadline.now() + grace
    for client in connected {
      let channel = client.channel
      channel.eventLoop.execute { client.drainAndClose() }
      channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
    }
    for client in connected { try? client.channel.closeFuture.wait() }
    try? group.syncShutdownGracefully()
  }

  /// A connection's pipeline: HTTP with the WebSocket upgrade, and the routes.
  private static func initialize(
    _ channel: any Channel, clients: FoxgloveClients, routes: [HTTPRoute],
    requestTimeout: TimeAmount
  ) -> EventLoopFuture<Void> {
    let upgrader = NIOWebSocketServerUpgrader(
      maxFrameSize: 1 << 20,
      shouldUpgrade: { channel, head in
        let offered = head.headers[canonicalForm: "sec-websocket-protocol"]
        guard clients.isAccepting, !clients.channels.isEmpty,
          offered.contains(Substring(FoxgloveProtocol.subprotocol))
        else { return channel.eventLoop.makeSucceededFuture(nil) }
        let headers = HTTPHeaders([("Sec-WebSocket-Protocol", FoxgloveProtocol.subprotocol)])
        return channel.eventLoop.makeSucceededFuture(headers)
      },
      upgradePipelineHandler: { channel, _ in
        channel.eventLoop.makeCompletedFuture {
          let handler = FoxgloveWebSocketHandler(client: clients.add(channel), clients: clients)
          try channel.pipeline.syncOperations.addHandler(handler)
        }
      })
    return channel.eventLoop.makeCompletedFuture {
      try channel.pipeline.syncOperations.configureHTTPServerPipeline(
        withServerUpgrade: (
          upgraders: [upgrader],
          completionHandler: { context in
            context.pipeline.removeHandler(name: HTTPRouteHandler.name, promise: nil)
          }
        ))
      try channel.pipeline.syncOperations.addHandler(
        HTTPRouteHandler(routes: routes, requestTimeout: requestTimeout),
        name: HTTPRouteHandler.name)
    }
  }
}
