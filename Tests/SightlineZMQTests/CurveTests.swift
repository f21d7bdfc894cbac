import Foundation
import SightlineZMQ
import Testing

// CURVE over real TCP on 127.0.0.1 (ephemeral ports). Each test pairs the peer that must get
// through with the ones that must not, so a setup that blocks everyone fails as well as one that
// lets everyone in. "Remote" peers get contexts of their own, as they would in another process.

/// Publishes from every publisher each round and collects what every subscriber receives,
/// until `done` holds or `seconds` pass.
private final class Exchange {
  let publishers: [(socket: ZMQSocket, payload: [UInt8])]
  let subscribers: [ZMQSocket]
  private(set) var received: [[[UInt8]]]

  init(publishers: [(socket: ZMQSocket, payload: [UInt8])], subscribers: [ZMQSocket]) {
    self.publishers = publishers
    self.subscribers = subscribers
    received = Array(repeating: [], count: subscribers.count)
  }

  func run(seconds: Double, until done: () -> Bool = { false }) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline && !done() {
      for publisher in publishers { _ = try publisher.socket.send(publisher.payload) }
      for (index, subscriber) in subscribers.enumerated() {
        while let message = try subscriber.receive(timeoutMilliseconds: 5) {
          received[index].append(message)
        }
      }
    }
  }

  func count(_ subscriber: Int, of payload: [UInt8]? = nil) -> Int {
    received[subscriber].count { payload == nil || $0 == payload }
  }
}

private func subscriber(
  _ context: ZMQContext, keyPair: CurveKeyPair? = nil, server: CurvePublicKey? = nil,
  connect endpoint: String
) throws -> ZMQSocket {
  let socket = try ZMQSocket(context: context, type: .subscriber)
  if let keyPair, let server {
    try socket.makeCurveClient(keyPair: keyPair, serverPublicKey: server)
  }
  try socket.subscribe(prefix: [])
  try socket.connect(endpoint)
  return socket
}

private func publisher(
  _ context: ZMQContext, keyPair: CurveKeyPair? = nil, server: CurvePublicKey? = nil,
  connect endpoint: String
) throws -> ZMQSocket {
  let socket = try ZMQSocket(context: context, type: .publisher)
  if let keyPair, let server {
    try socket.makeCurveClient(keyPair: keyPair, serverPublicKey: server)
  }
  try socket.connect(endpoint)
  return socket
}

/// Generous: CI machines are slow and shared.
private let arrivalSeconds = 15.0
/// How long a refused peer must stay silent while the allowed one keeps receiving.
private let silenceSeconds = 1.5

@Suite(.serialized) struct CurveAuthenticationTests {
  let server: CurveKeyPair
  let clientA: CurveKeyPair
  let clientB: CurveKeyPair

  init() throws {
    server = try .generate()
    clientA = try .generate()
    clientB = try .generate()
  }

  @Test func curveServerPublisherAdmitsOnlyAllowListedSubscribers() throws {
    let context = try ZMQContext()
    let authenticator = try ZAPAuthenticator(
      context: context, domain: "grid", allowList: CurveAllowList([clientA.publicKey]))
    let publisher = try ZMQSocket(context: context, type: .publisher)
    try publisher.makeCurveServer(keyPair: server, authenticator: authenticator, domain: "grid")
    try publisher.bind("tcp://127.0.0.1:*")
    let endpoint = try publisher.lastEndpoint
    #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":*"))

    let remote = try ZMQContext()
    let allowed = try subscriber(
      remote, keyPair: clientA, server: server.publicKey, connect: endpoint)
    let unknown = try subscriber(
      remote, keyPair: clientB, server: server.publicKey, connect: endpoint)
    let plain = try subscriber(remote, connect: endpoint)
    let exchange = Exchange(
      publishers: [(publisher, Array("grid".utf8))], subscribers: [allowed, unknown, plain])

    try exchange.run(seconds: arrivalSeconds) {
      exchange.count(0) >= 5 && authenticator.counts.denied >= 1
    }
    #expect(exchange.count(0) >= 5)
    let before = exchange.count(0)
    try exchange.run(seconds: silenceSeconds)
    #expect(exchange.count(0) > before, "the allowed subscriber kept receiving")
    #expect(exchange.count(1) == 0, "a key outside the allow-list got through")
    #expect(exchange.count(2) == 0, "a plain (NULL) subscriber got through")

    let counts = authenticator.counts
    #expect(counts.accepted >= 1)
    #expect(counts.denied >= 1)
    #expect(counts.lastDenial?.contains(clientB.publicKey.z85) == true)
    #expect(counts.lastDenial?.contains("grid") == true)
  }

  /// The V2X input: our SUB binds as the CURVE server; remote publishers connect as clients.
  @Test func curveServerSubscriberTakesOnlyAllowListedPublishers() throws {
    let context = try ZMQContext()
    let authenticator = try ZAPAuthenticator(
      context: context, domain: "v2x", allowList: CurveAllowList([clientA.publicKey]))
    let input = try ZMQSocket(context: context, type: .subscriber)
    try input.makeCurveServer(keyPair: server, authenticator: authenticator, domain: "v2x")
    try input.subscribe(prefix: [])
    try input.bind("tcp://127.0.0.1:*")
    let endpoint = try input.lastEndpoint

    let remoteA = try ZMQContext()
    let remoteB = try ZMQContext()
    let remotePlain = try ZMQContext()
    let allowed = try publisher(
      remoteA, keyPair: clientA, server: server.publicKey, connect: endpoint)
    let unknown = try publisher(
      remoteB, keyPair: clientB, server: server.publicKey, connect: endpoint)
    let plain = try publisher(remotePlain, connect: endpoint)
    let fromA = Array("A".utf8)
    let fromB = Array("B".utf8)
    let fromPlain = Array("P".utf8)
    let exchange = Exchange(
      publishers: [(allowed, fromA), (unknown, fromB), (plain, fromPlain)], subscribers: [input])

    try exchange.run(seconds: arrivalSeconds) {
      exchange.count(0, of: fromA) >= 5 && authenticator.counts.denied >= 1
    }
    #expect(exchange.count(0, of: fromA) >= 5)
    let before = exchange.count(0, of: fromA)
    try exchange.run(seconds: silenceSeconds)
    #expect(exchange.count(0, of: fromA) > before, "the allowed publisher kept arriving")
    #expect(exchange.count(0, of: fromB) == 0, "a publisher outside the allow-list got through")
    #expect(exchange.count(0, of: fromPlain) == 0, "a plain (NULL) publisher got through")
    #expect(authenticator.counts.denied >= 1)
    #expect(authenticator.counts.lastDenial?.contains(clientB.publicKey.z85) == true)
  }

  /// One authenticator, two domains: the grid output trusts A, the V2X input trusts B.
  @Test func eachDomainHasItsOwnAllowList() throws {
    let context = try ZMQContext()
    let authenticator = try ZAPAuthenticator(
      context: context,
      allowLists: [
        "grid": CurveAllowList([clientA.publicKey]), "v2x": CurveAllowList([clientB.publicKey]),
      ])
    let grid = try ZMQSocket(context: context, type: .publisher)
    try grid.makeCurveServer(keyPair: server, authenticator: authenticator, domain: "grid")
    try grid.bind("tcp://127.0.0.1:*")
    let input = try ZMQSocket(context: context, type: .subscriber)
    try input.makeCurveServer(keyPair: server, authenticator: authenticator, domain: "v2x")
    try input.subscribe(prefix: [])
    try input.bind("tcp://127.0.0.1:*")

    let remote = try ZMQContext()
    let gridEndpoint = try grid.lastEndpoint
    let inputEndpoint = try input.lastEndpoint
    let gridA = try subscriber(
      remote, keyPair: clientA, server: server.publicKey, connect: gridEndpoint)
    let gridB = try subscriber(
      remote, keyPair: clientB, server: server.publicKey, connect: gridEndpoint)
    let v2xA = try publisher(
      remote, keyPair: clientA, server: server.publicKey, connect: inputEndpoint)
    let v2xB = try publisher(
      remote, keyPair: clientB, server: server.publicKey, connect: inputEndpoint)
    let exchange = Exchange(
      publishers: [(grid, Array("grid".utf8)), (v2xA, Array("A".utf8)), (v2xB, Array("B".utf8))],
      subscribers: [gridA, gridB, input])

    try exchange.run(seconds: arrivalSeconds) {
      exchange.count(0) >= 5 && exchange.count(2, of: Array("B".utf8)) >= 5
        && authenticator.counts.denied >= 2
    }
    try exchange.run(seconds: silenceSeconds)
    #expect(exchange.count(0) >= 5, "grid: A is allowed")
    #expect(exchange.count(1) == 0, "grid: B is not")
    #expect(exchange.count(2, of: Array("B".utf8)) >= 5, "v2x: B is allowed")
    #expect(exchange.count(2, of: Array("A".utf8)) == 0, "v2x: A is not")
  }

  /// Our SUB as a CURVE client of a remote CURVE server PUB (which authenticates us).
  @Test func curveClientSubscriberReachesARemoteCurveServer() throws {
    let remote = try ZMQContext()
    let remoteAuthenticator = try ZAPAuthenticator(
      context: remote, domain: "remote", allowList: CurveAllowList([clientA.publicKey]))
    let remotePublisher = try ZMQSocket(context: remote, type: .publisher)
    try remotePublisher.makeCurveServer(
      keyPair: server, authenticator: remoteAuthenticator, domain: "remote")
    try remotePublisher.bind("tcp://127.0.0.1:*")
    let endpoint = try remotePublisher.lastEndpoint

    let context = try ZMQContext()
    let ours = try subscriber(
      context, keyPair: clientA, server: server.publicKey, connect: endpoint)
    // Same allowed client key, but expecting another server: CURVE must fail the handshake.
    let impostor = try CurveKeyPair.generate()
    let wrongServer = try subscriber(
      context, keyPair: clientA, server: impostor.publicKey, connect: endpoint)
    let exchange = Exchange(
      publishers: [(remotePublisher, Array("x".utf8))], subscribers: [ours, wrongServer])

    try exchange.run(seconds: arrivalSeconds) { exchange.count(0) >= 5 }
    #expect(exchange.count(0) >= 5)
    try exchange.run(seconds: silenceSeconds)
    #expect(exchange.count(1) == 0, "a client expecting another server key got through")
    #expect(remoteAuthenticator.counts.accepted >= 1)
  }

  /// Connections made while the authenticator ran stay up; new ones are refused once it stops
  /// (ZMQ_ZAP_ENFORCE_DOMAIN), rather than let in unchecked.
  @Test func stoppedAuthenticatorFailsClosed() throws {
    let context = try ZMQContext()
    let authenticator = try ZAPAuthenticator(
      context: context, domain: "grid", allowList: CurveAllowList([clientA.publicKey]))
    let publisher = try ZMQSocket(context: context, type: .publisher)
    try publisher.makeCurveServer(keyPair: server, authenticator: authenticator, domain: "grid")
    try publisher.bind("tcp://127.0.0.1:*")
    let endpoint = try publisher.lastEndpoint
    let remote = try ZMQContext()
    let early = try subscriber(
      remote, keyPair: clientA, server: server.publicKey, connect: endpoint)
    let exchange = Exchange(publishers: [(publisher, [1])], subscribers: [early])
    try exchange.run(seconds: arrivalSeconds) { exchange.count(0) >= 3 }
    #expect(exchange.count(0) >= 3)

    authenticator.stop()
    #expect(!authenticator.isRunning)
    let late = try subscriber(remote, keyPair: clientA, server: server.publicKey, connect: endpoint)
    let after = Exchange(publishers: [(publisher, [2])], subscribers: [early, late])
    try after.run(seconds: silenceSeconds)
    #expect(after.count(0) > 0, "the connection made before the stop stays up")
    #expect(after.count(1) == 0, "a client got in with no ZAP handler running")
  }

  /// libzmq's behaviour without a handler: encryption, no client authentication. With an
  /// authenticator on the context, the same server is asked about under the empty domain: denied.
  @Test func curveServerAcceptingAnyClientTakesAnyKeyUnlessAnAuthenticatorRuns() throws {
    let context = try ZMQContext()
    let publisher = try ZMQSocket(context: context, type: .publisher)
    try publisher.makeCurveServerAcceptingAnyClient(keyPair: server)
    try publisher.bind("tcp://127.0.0.1:*")
    let guarded = try ZMQContext()
    let authenticator = try ZAPAuthenticator(
      context: guarded, domain: "grid", allowList: CurveAllowList([clientB.publicKey]))
    let guardedPublisher = try ZMQSocket(context: guarded, type: .publisher)
    try guardedPublisher.makeCurveServerAcceptingAnyClient(keyPair: server)
    try guardedPublisher.bind("tcp://127.0.0.1:*")

    let remote = try ZMQContext()
    let endpoint = try publisher.lastEndpoint
    let anyKey = try subscriber(
      remote, keyPair: clientB, server: server.publicKey, connect: endpoint)
    let plain = try subscriber(remote, connect: endpoint)
    let refused = try subscriber(
      remote, keyPair: clientB, server: server.publicKey, connect: try guardedPublisher.lastEndpoint
    )
    let exchange = Exchange(
      publishers: [(publisher, [3]), (guardedPublisher, [4])],
      subscribers: [anyKey, plain, refused])
    try exchange.run(seconds: arrivalSeconds) {
      exchange.count(0) >= 5 && authenticator.counts.denied >= 1
    }
    #expect(exchange.count(0) >= 5)
    try exchange.run(seconds: silenceSeconds)
    #expect(exchange.count(1) == 0, "a plain (NULL) subscriber got through")
    #expect(exchange.count(2) == 0, "the authenticator let in a server with no domain")
    #expect(authenticator.counts.lastDenial?.contains("no allow-list") == true)
  }

  @Test func curveServerSetupIsCheckedBeforeUse() throws {
    let context = try ZMQContext()
    let authenticator = try ZAPAuthenticator(
      context: context, domain: "grid", allowList: CurveAllowList([clientA.publicKey]))

    // One handler per context.
    #expect(throws: ZMQError.self) {
      _ = try ZAPAuthenticator(
        context: context, domain: "v2x", allowList: CurveAllowList([clientA.publicKey]))
    }
    let socket = try ZMQSocket(context: context, type: .publisher)
    do {
      try socket.makeCurveServer(keyPair: server, authenticator: authenticator, domain: "v2x")
      Issue.record("accepted a domain without an allow-list")
    } catch {
      #expect("\(error)".contains("v2x"))
    }
    let otherContext = try ZMQContext()
    let foreign = try ZAPAuthenticator(
      context: otherContext, domain: "grid", allowList: CurveAllowList([clientA.publicKey]))
    #expect(throws: ZMQError.self) {
      try socket.makeCurveServer(keyPair: server, authenticator: foreign, domain: "grid")
    }
    let bound = try ZMQSocket(context: context, type: .publisher)
    try bound.bind("tcp://127.0.0.1:*")
    do {
      try bound.makeCurveServer(keyPair: server, authenticator: authenticator, domain: "grid")
      Issue.record("configured CURVE after bind")
    } catch {
      #expect("\(error)".contains("before bind"))
    }

    authenticator.stop()
    authenticator.stop()
    #expect(throws: ZMQError.self) {
      try socket.makeCurveServer(keyPair: server, authenticator: authenticator, domain: "grid")
    }
    // The endpoint is free again once stopped.
    let next = try ZAPAuthenticator(
      context: context, domain: "grid", allowList: CurveAllowList([clientA.publicKey]))
    #expect(next.isRunning)
  }
}

@Suite struct CurveKeyFileTests {
  /// A fresh directory, removed after `body`.
  func withDirectory(_ body: (String) throws -> Void) throws {
    let path = NSTemporaryDirectory() + "sightline-curve-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try body(path)
  }

  func write(_ text: String, to path: String, mode: Int = 0o600) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
  }

  func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
  }

  func curveError(_ body: () throws -> Void) -> CurveKeyError? {
    do {
      try body()
    } catch let error as CurveKeyError {
      return error
    } catch {
      Issue.record("unexpected \(error)")
    }
    return nil
  }

  @Test func generatedKeysRoundTripThroughFiles() throws {
    try withDirectory { directory in
      let keyPair = try CurveKeyPair.generate()
      #expect(keyPair.publicKey.z85.count == 40 && keyPair.secretKey.z85.count == 40)
      #expect(try CurveKeyPair(secretKey: keyPair.secretKey) == keyPair)

      let path = directory + "/node.key"
      try keyPair.write(to: path)
      #expect(try mode(path) == 0o600)
      #expect(try CurveKeyPair.load(path: path) == keyPair)
      #expect(try CurvePublicKey.load(path: path + ".pub") == keyPair.publicKey)
      #expect(try CurvePublicKey.load(path: path) == keyPair.publicKey)
      let publicText = try String(contentsOfFile: path + ".pub", encoding: .utf8)
      #expect(!publicText.contains("secret-key") && !publicText.contains(keyPair.secretKey.z85))

      // Never replaced by accident; replaced on request, still 0600.
      let other = try CurveKeyPair.generate()
      #expect(curveError { try other.write(to: path) }?.problem == .alreadyExists)
      #expect(try CurveKeyPair.load(path: path) == keyPair)
      try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
      try other.write(to: path, replacing: true)
      #expect(try mode(path) == 0o600)
      #expect(try CurveKeyPair.load(path: path) == other)
    }
  }

  @Test func secretKeyNeverShowsInDescriptions() throws {
    let keyPair = try CurveKeyPair.generate()
    #expect(!"\(keyPair)".contains(keyPair.secretKey.z85))
    #expect(!"\(keyPair.secretKey)".contains(keyPair.secretKey.z85))
  }

  @Test func readsCzmqCertificates() throws {
    try withDirectory { directory in
      let keyPair = try CurveKeyPair.generate()
      // czmq's zcert_save_secret / zcert_save_public layout.
      let secret = """
        #   ****  Generated on 2024-05-01 10:00:00 by CZMQ  ****
        #   ZeroMQ CURVE **Secret** Certificate
        #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

        metadata
            name = "roadside-unit-7"
            public-key = "not a key: metadata is ignored"
        curve
            public-key = "\(keyPair.publicKey.z85)"
            secret-key = "\(keyPair.secretKey.z85)"

        """
      let publicText = """
        #   ****  Generated on 2024-05-01 10:00:00 by CZMQ  ****
        #   ZeroMQ CURVE Public Certificate
        #   Exchange securely, or use a secure mechanism to verify the contents
        #   of this file after exchange. Store public certificates in your home
        #   directory, in the .curve subdirectory.

        metadata
            name = "roadside-unit-7"
        curve
            public-key = "\(keyPair.publicKey.z85)"

        """
      try write(secret, to: directory + "/rsu.key_secret")
      try write(publicText, to: directory + "/rsu.key", mode: 0o644)
      #expect(try CurveKeyPair.load(path: directory + "/rsu.key_secret") == keyPair)
      #expect(try CurvePublicKey.load(path: directory + "/rsu.key") == keyPair.publicKey)
      // A directory allow-list takes czmq's public certificates (`*.key`), not `*_secret`.
      #expect(try CurveAllowList.load(path: directory).keys == [keyPair.publicKey])
    }
  }

  @Test func simpleTopLevelKeyFilesAndDerivedPublicKeys() throws {
    try withDirectory { directory in
      let keyPair = try CurveKeyPair.generate()
      let path = directory + "/bare"
      try write("# hand-written\nsecret-key = '\(keyPair.secretKey.z85)'  # ours\n", to: path)
      #expect(try CurveKeyPair.load(path: path) == keyPair)
      #expect(try CurvePublicKey.load(path: path) == keyPair.publicKey)
    }
  }

  @Test func malformedKeysAreRejectedNamingFileAndLine() throws {
    let valid = try CurveKeyPair.generate().publicKey.z85
    #expect(throws: CurveKeyError.self) { try CurvePublicKey(z85: String(valid.dropLast())) }
    #expect(throws: CurveKeyError.self) { try CurvePublicKey(z85: "~" + valid.dropFirst()) }
    // Every group above 2^32: right alphabet and length, but no 32-byte value.
    #expect(throws: CurveKeyError.self) {
      try CurvePublicKey(z85: String(repeating: "%", count: 40))
    }

    try withDirectory { directory in
      let short = directory + "/short.key"
      try write("curve\n    public-key = \"\(valid.dropLast())\"\n", to: short)
      let error = curveError { _ = try CurvePublicKey.load(path: short) }
      #expect(error?.path == short && error?.line == 2)
      #expect(error?.description.contains(short) == true)
      #expect(error?.description.contains("39 characters") == true)

      let badAlphabet = directory + "/alphabet.key"
      try write("public-key = \"\(valid.prefix(10)) \(valid.dropFirst(11))\"\n", to: badAlphabet)
      let alphabet = curveError { _ = try CurvePublicKey.load(path: badAlphabet) }
      #expect(alphabet?.path == badAlphabet && alphabet?.line == 1)
      #expect(alphabet?.description.contains("character 11") == true)

      let mismatched = directory + "/mismatched"
      let other = try CurveKeyPair.generate()
      let secret = try CurveKeyPair.generate().secretKey.z85
      try write(
        "curve\n    public-key = \"\(other.publicKey)\"\n    secret-key = \"\(secret)\"\n",
        to: mismatched)
      #expect(
        curveError { _ = try CurveKeyPair.load(path: mismatched) }?.problem == .keysDoNotMatch)

      let noSecret = directory + "/public-only"
      try write("curve\n    public-key = \"\(valid)\"\n", to: noSecret)
      #expect(
        curveError { _ = try CurveKeyPair.load(path: noSecret) }?.problem
          == .missingKey("secret-key"))

      let missing = directory + "/nope.key"
      let absent = curveError { _ = try CurvePublicKey.load(path: missing) }
      #expect(absent?.problem == .missing && absent?.path == missing)
      #expect(absent?.description == "\(missing): no such file")
    }
  }

  @Test func secretFilesOthersCanReadAreRefused() throws {
    try withDirectory { directory in
      let path = directory + "/open.key"
      try CurveKeyPair.generate().write(to: path)
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
      let error = curveError { _ = try CurveKeyPair.load(path: path) }
      #expect(error?.problem == .secretFileExposed(mode: 0o100644))
      #expect(error?.description.contains("chmod 600") == true)
      // Its public key is not a secret.
      #expect(throws: Never.self) { _ = try CurvePublicKey.load(path: path) }
    }
  }

  @Test func allowListFilesAndDirectories() throws {
    let a = try CurveKeyPair.generate().publicKey
    let b = try CurveKeyPair.generate().publicKey
    let c = try CurveKeyPair.generate().publicKey
    try withDirectory { directory in
      let list = directory + "/allow"
      try write(
        """
        # V2X publishers allowed in

        \(a.z85)
          \(b.z85)   # roadside unit 7
        "\(c.z85)"
        """, to: list, mode: 0o644)
      let allowList = try CurveAllowList.load(path: list)
      #expect(allowList.keys == [a, b, c])
      #expect(allowList.contains(b))
      #expect(!allowList.contains(try CurveKeyPair.generate().publicKey))

      let bad = directory + "/bad"
      try write("# comment\n\(a.z85)\n\n\(b.z85.dropLast())~\n", to: bad, mode: 0o644)
      let error = curveError { _ = try CurveAllowList.load(path: bad) }
      #expect(error?.path == bad && error?.line == 4)
      #expect(error?.description.hasPrefix("\(bad):4: malformed CURVE key") == true)

      let trailing = directory + "/trailing"
      try write("\(a.z85) laptop\n", to: trailing, mode: 0o644)
      #expect(curveError { _ = try CurveAllowList.load(path: trailing) }?.line == 1)

      let empty = directory + "/empty"
      try write("# nobody yet\n", to: empty, mode: 0o644)
      #expect(curveError { _ = try CurveAllowList.load(path: empty) }?.problem == .noKeys)

      let peers = directory + "/peers"
      try FileManager.default.createDirectory(atPath: peers, withIntermediateDirectories: false)
      #expect(curveError { _ = try CurveAllowList.load(path: peers) }?.problem == .noKeys)
      let first = try CurveKeyPair.generate()
      let second = try CurveKeyPair.generate()
      try first.write(to: peers + "/first")
      try second.write(to: peers + "/second")
      try write("ignored", to: peers + "/README", mode: 0o644)
      // The secret files (no suffix) are skipped; each `.pub` counts once.
      #expect(try CurveAllowList.load(path: peers).keys == [first.publicKey, second.publicKey])
      try write("public-key = \"oops\"\n", to: peers + "/third.pub", mode: 0o644)
      let broken = curveError { _ = try CurveAllowList.load(path: peers) }
      #expect(broken?.path == peers + "/third.pub" && broken?.line == 1)
    }
  }
}
