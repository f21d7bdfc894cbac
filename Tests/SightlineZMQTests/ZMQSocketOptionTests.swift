import Foundation
import SightlineZMQ
import Testing

@Suite struct ZMQSocketOptionTests {
  @Test func integerAndFlagOptionsReadBackWhatWasSet() throws {
    let socket = try ZMQSocket(context: try ZMQContext(), type: .subscriber)
    // Every socket starts with a 1 s linger.
    #expect(try socket.getOption(.linger) == 1000)
    try socket.setOption(.linger, 0)
    #expect(try socket.getOption(.linger) == 0)
    try socket.setLinger(milliseconds: -1)
    #expect(try socket.getOption(.linger) == -1)

    try socket.setOption(.sendHighWaterMark, 250)
    #expect(try socket.getOption(.sendHighWaterMark) == 250)
    try socket.setReceiveHighWaterMark(7)
    #expect(try socket.getOption(.receiveHighWaterMark) == 7)

    #expect(try socket.getOption(.conflate) == false)
    try socket.setConflate(true)
    #expect(try socket.getOption(.conflate) == true)
  }

  @Test func textAndKeyOptionsReadBackWhatWasSet() throws {
    let socket = try ZMQSocket(context: try ZMQContext(), type: .publisher)
    #expect(try socket.getOption(.lastEndpoint) == "")
    try socket.setOption(.zapDomain, "grid")
    #expect(try socket.getOption(.zapDomain) == "grid")

    let server = try CurveKeyPair.generate()
    let client = try CurveKeyPair.generate()
    try socket.makeCurveClient(keyPair: client, serverPublicKey: server.publicKey)
    #expect(try socket.getOption(.curveServerKey) == server.publicKey)
    #expect(try socket.getOption(.curvePublicKey) == client.publicKey)
    #expect(try socket.getOption(.curveSecretKey) == client.secretKey)
    #expect(try socket.getOption(.curveServer) == false)
  }

  @Test func invalidValuesAreZMQErrors() throws {
    let socket = try ZMQSocket(context: try ZMQContext(), type: .publisher)
    try socket.setOption(.sendHighWaterMark, 100)
    #expect(throws: ZMQError.self) { try socket.setOption(.sendHighWaterMark, -1) }
    #expect(try socket.getOption(.sendHighWaterMark) == 100, "a refused value changes nothing")
    do {
      try socket.setOption(.linger, -2)
      Issue.record("accepted a linger of -2 ms")
    } catch {
      #expect(error.code == EINVAL)
      #expect("\(error)".hasPrefix("setsockopt "))
    }
    // ZAP domains are at most 255 bytes.
    #expect(throws: ZMQError.self) {
      try socket.setOption(.zapDomain, String(repeating: "d", count: 256))
    }
    // Read-only and write-only options.
    #expect(throws: ZMQError.self) { try socket.setOption(.receiveMore, true) }
    #expect(throws: ZMQError.self) { _ = try socket.getOption(.xpubVerbose) }

    socket.close()
    let closedSet = #expect(throws: ZMQError.self) { try socket.setOption(.linger, 0) }
    #expect(closedSet?.code == ENOTSOCK)
    let closedGet = #expect(throws: ZMQError.self) { _ = try socket.getOption(.linger) }
    #expect(closedGet?.code == ENOTSOCK)
  }
}
