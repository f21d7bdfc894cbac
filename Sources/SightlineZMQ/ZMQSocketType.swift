// ZMQSocketType: the kinds of libzmq socket that Sightline opens.

public enum ZMQSocketType: Int32, Sendable {
  case publisher = 1  // ZMQ_PUB
  case subscriber = 2  // ZMQ_SUB
  /// A publisher that also receives subscriptions: lets a replay wait for its subscribers.
  case extendedPublisher = 9  // ZMQ_XPUB
}
