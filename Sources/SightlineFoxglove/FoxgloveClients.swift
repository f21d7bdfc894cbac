import NIOConcurrencyHelpers
import NIOCore

/// The clients of a `FoxgloveServer`: what they subscribed to, and where published messages go.
/// Shared between the frame side (publishing) and the event loop (connections, subscriptions).
final class FoxgloveClients: @unchecked Sendable {
  let channels: [FoxgloveChannel]
  let name: String
  let sessionID: String
  let queueLimit: Int
  private let lock = NIOLock()
  private var clients: [ObjectIdentifier: FoxgloveClient] = [:]
  private var subscribed: Set<UInt32> = []
  private var accepting = true
  private var retiredDropped = 0
  private var retiredSent = 0
  private var retiredOffered = 0
  private var retiredBacklog = FoxgloveBacklog()
  private var connectedTotal = 0

  init(channels: [FoxgloveChannel], name: String, sessionID: String, queueLimit: Int) {
    self.channels = channels
    self.name = name
    self.sessionID = sessionID
    self.queueLimit = max(1, queueLimit)
  }

  /// Whether new connections are welcome (false once the server stops).
  var isAccepting: Bool { lock.withLock { accepting } }

  /// The channels with at least one subscriber.
  var subscribedChannels: Set<UInt32> { lock.withLock { subscribed } }

  var hasSubscribers: Bool { lock.withLock { !subscribed.isEmpty } }

  var count: Int { lock.withLock { clients.count } }

  /// Clients that connected since the start.
  var connected: Int { lock.withLock { connectedTotal } }

  /// Messages dropped for slow clients, all clients so far.
  var dropped: Int {
    lock.withLock { clients.values.reduce(retiredDropped) { $0 + $1.dropped } }
  }

  /// Messages handed to client sockets, all clients so far.
  var sent: Int { lock.withLock { clients.values.reduce(retiredSent) { $0 + $1.sent } } }

  /// Messages queued for clients, all clients so far.
  var offered: Int {
    lock.withLock { clients.values.reduce(retiredOffered) { $0 + $1.offered } }
  }

  /// What waits for the connected clients now; the peaks over every client so far.
  var backlog: FoxgloveBacklog {
    lock.withLock { clients.values.reduce(retiredBacklog) { $0.merged(with: $1.backlog) } }
  }

  /// Subscriptions of the connected clients.
  var subscriptionCount: Int {
    lock.withLock { clients.values.reduce(0) { $0 + $1.subscriptionCount } }
  }

  func add(_ channel: any Channel) -> FoxgloveClient {
    let client = FoxgloveClient(channel: channel, queueLimit: queueLimit)
    lock.withLock {
      clients[ObjectIdentifier(client)] = client
      connectedTotal += 1
    }
    return client
  }

  func remove(_ client: FoxgloveClient) {
    lock.withLock {
      guard clients.removeValue(forKey: ObjectIdentifier(client)) != nil else { return }
      client.markClosed()
      retiredDropped += client.dropped
      retiredSent += client.sent
      retiredOffered += client.offered
      retiredBacklog = retiredBacklog.merged(with: client.backlog.peaks)
      subscribed = unionOfSubscriptions()
    }
  }

  /// Recomputes the subscribed channels after a client's subscriptions changed.
  func subscriptionsChanged() {
    lock.withLock { subscribed = unionOfSubscriptions() }
  }

  /// Offers a message to every client; those without a subscription to `channelID` skip it.
  func publish(channelID: UInt32, timestamp: UInt64, payload: UnsafeRawBufferPointer) {
    let targets = lock.withLock { Array(clients.values) }
    for client in targets {
      client.offer(channelID: channelID, timestamp: timestamp, payload: payload)
    }
  }

  /// Stops accepting clients and returns the connected ones.
  func closeAll() -> [FoxgloveClient] {
    lock.withLock {
      accepting = false
      return Array(clients.values)
    }
  }

  private func unionOfSubscriptions() -> Set<UInt32> {
    clients.values.reduce(into: Set<UInt32>()) { $0.formUnion($1.subscribedChannels) }
  }
}
