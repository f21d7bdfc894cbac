import Foundation
import SightlineLive
import SightlinePipeline
import SightlinePublish
import SightlineSchema
import SightlineV2X
import SightlineZMQ
import Synchronization
import Testing

/// CURVE on a live run's sockets, configured as a user would (key files, allow-lists): only
/// listed publishers reach the decoder, only listed subscribers get frames.
@Suite(.serialized) struct CurveRunTests {
  @Test func onlyListedPublishersAndSubscribersGetThrough() throws {
    let folder = temporaryPath("keys")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let runtime = try CurveKeyPair.generate()
    try runtime.write(to: folder + "/runtime.key")
    let trustedRadio = try CurveKeyPair.generate()
    let strangerRadio = try CurveKeyPair.generate()
    let trustedViewer = try CurveKeyPair.generate()
    let strangerViewer = try CurveKeyPair.generate()
    try "\(trustedRadio.publicKey.z85)\n".write(
      toFile: folder + "/radios", atomically: true, encoding: .utf8)
    try "# the planner\n\(trustedViewer.publicKey.z85)\n".write(
      toFile: folder + "/viewers", atomically: true, encoding: .utf8)

    let v2xEndpoint = uniqueEndpoint()
    let gridEndpoint = uniqueEndpoint()
    let text = """
      [security]
      curve_secret_key = "\(folder)/runtime.key"
      [publish]
      endpoint = "\(gridEndpoint)"
      curve_allow = "\(folder)/viewers"
      [grid]
      columns = 100
      rows = 100
      [[v2x.source]]
      name = "rsu"
      endpoint = "\(v2xEndpoint)"
      bind = true
      curve_allow = "\(folder)/radios"
      """
    let path = folder + "/sightline.toml"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    var options = LiveOptions(config: try SightlineConfig.load(path: path))
    options.bindAddress = "127.0.0.1"
    options.dataPort = 0
    options.positionPort = 0
    options.durationSeconds = 4
    options.waitForSubscribers = 1
    options.subscriberTimeoutSeconds = 5

    let context = try ZMQContext()
    let serverKey = runtime.publicKey
    let viewers = [
      try FrameSubscriber(
        context: context, endpoint: gridEndpoint,
        curve: CurveClientKeys(keyPair: trustedViewer, serverPublicKey: serverKey)),
      try FrameSubscriber(
        context: context, endpoint: gridEndpoint,
        curve: CurveClientKeys(keyPair: strangerViewer, serverPublicKey: serverKey)),
      try FrameSubscriber(context: context, endpoint: gridEndpoint),
    ]
    defer { viewers.forEach { $0.close() } }

    // Three radios send for 3 s: the listed one (id 1), an unlisted one (2), a plain one (3).
    let sent = Mutex<[Int]>([0, 0, 0])
    let radios = Thread {
      let radioContext = try? ZMQContext()
      guard let radioContext else { return }
      var sockets: [ZMQSocket] = []
      for keys in [trustedRadio, strangerRadio, nil] as [CurveKeyPair?] {
        guard let socket = try? ZMQSocket(context: radioContext, type: .publisher) else { return }
        if let keys { try? socket.makeCurveClient(keyPair: keys, serverPublicKey: serverKey) }
        try? socket.connect(v2xEndpoint)
        sockets.append(socket)
      }
      Thread.sleep(forTimeInterval: 0.5)
      for count in 0..<30 {
        for (index, socket) in sockets.enumerated() {
          guard
            let message = try? parkedCarBSM(
              id: UInt32(index + 1), count: count, latitude: 423_000_000 + Int32(index + 1) * 100)
          else { continue }
          if (try? socket.send(message)) == true { sent.withLock { $0[index] += 1 } }
        }
        Thread.sleep(forTimeInterval: 0.1)
      }
      sockets.forEach { $0.close() }
    }
    radios.start()
    let summary = try LiveRun(options: options).run(context: context) { _ in }

    let trusted = try Observed.collect(viewers[0], idleSeconds: 2)
    #expect(trusted.frames.count >= 3, "\(trusted.frames.count) frames")
    let ids = Set(trusted.frames.flatMap { $0.agents.map(\.id) })
    #expect(ids == [1], "agents seen: \(ids)")
    // Only the listed radio's messages reached the decoder.
    let sentByTrusted = sent.withLock { $0[0] }
    #expect(summary.v2x.received > 0 && summary.v2x.received <= sentByTrusted)
    let denied = trusted.end?.counters.drops.first { $0.reason == "auth.curve_denied" }
    #expect((denied?.count ?? 0) >= 2)
    // Unlisted and plain viewers get nothing at all.
    for viewer in viewers.dropFirst() {
      #expect(try viewer.next(timeoutMilliseconds: 500).isIdle)
      #expect(viewer.summary.framesReceived == 0)
    }
  }
}

extension FrameSubscriber.Event {
  var isIdle: Bool {
    if case .idle = self { return true }
    return false
  }
}
