import Foundation
import SightlineZMQ
import Testing

func uniqueEndpoint() -> String {
  "ipc://\(NSTemporaryDirectory())sightline-zmq-test-\(UUID().uuidString)"
}

@Suite struct ZMQSocketTests {
  @Test func publisherReachesAMatchingSubscriberOnly() throws {
    let context = try ZMQContext()
    let endpoint = uniqueEndpoint()
    let publisher = try ZMQSocket(context: context, type: .extendedPublisher)
    try publisher.setVerboseSubscriptions()
    try publisher.bind(endpoint)
    let subscriber = try ZMQSocket(context: context, type: .subscriber)
    try subscriber.subscribe(prefix: Array("grid\0".utf8))
    try subscriber.connect(endpoint)
    // The subscription arriving at XPUB is the handshake: nothing is sent before it.
    let subscription = try publisher.receive(timeoutMilliseconds: 5000)
    #expect(subscription == [1] + Array("grid\0".utf8))

    #expect(try publisher.send(Array("stats\0no".utf8)))
    #expect(try publisher.send(Array("grid\0yes".utf8)))
    let received = try subscriber.receive(timeoutMilliseconds: 5000)
    #expect(received == Array("grid\0yes".utf8))
    #expect(try subscriber.receive(timeoutMilliseconds: 100) == nil)
  }

  @Test func badEndpointIsAClearError() throws {
    let socket = try ZMQSocket(context: try ZMQContext(), type: .publisher)
    do {
      try socket.bind("tcp://no-such-interface:5560")
      Issue.record("bound to a nonsense endpoint")
    } catch {
      #expect("\(error)".contains("bind tcp://no-such-interface:5560"))
    }
  }

  @Test func closedSocketReportsInsteadOfCrashing() throws {
    let socket = try ZMQSocket(context: try ZMQContext(), type: .publisher)
    socket.close()
    socket.close()
    #expect(throws: ZMQError.self) { _ = try socket.send([1, 2, 3]) }
  }

  @Test func conflateKeepsOnlyTheNewest() throws {
    let context = try ZMQContext()
    let endpoint = uniqueEndpoint()
    let publisher = try ZMQSocket(context: context, type: .extendedPublisher)
    try publisher.bind(endpoint)
    let subscriber = try ZMQSocket(context: context, type: .subscriber)
    try subscriber.setConflate(true)
    try subscriber.subscribe(prefix: [])
    try subscriber.connect(endpoint)
    _ = try publisher.receive(timeoutMilliseconds: 5000)
    for index in 0..<50 { _ = try publisher.send([UInt8(index)]) }
    Thread.sleep(forTimeInterval: 0.2)
    #expect(try subscriber.receive(timeoutMilliseconds: 1000) == [49])
    #expect(try subscriber.receive(timeoutMilliseconds: 100) == nil)
  }
}
