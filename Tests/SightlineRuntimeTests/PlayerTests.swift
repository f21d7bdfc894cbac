import Foundation
import SightlineUDP
import SightlineZMQ
import Testing

@testable import SightlineRuntime

/// `sightline play` feeds a drive to real sockets: every datagram and V2X message arrives, in
/// capture order, and pacing follows the capture's clock.
@Suite(.serialized) struct PlayerTests {
  @Test func aDriveArrivesWholeOnTheLiveSockets() throws {
    let drive = try Drive.load(
      folder: repositoryRoot.appendingPathComponent("Replay/vlp16-strongest-gps").path)
    let data = try UDPReceiver(bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 8 << 20)
    let position = try UDPReceiver(
      bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 1 << 20, batchSize: 8,
      maxDatagramSize: 1024)
    let context = try ZMQContext()
    let endpoint = "tcp://127.0.0.1:5621"
    let subscriber = try ZMQSocket(context: context, type: .subscriber)
    try subscriber.setReceiveHighWaterMark(100_000)
    try subscriber.subscribe(prefix: [])
    try subscriber.connect(endpoint)
    var options = PlayOptions(lidarPath: drive.lidarPath)
    options.v2xPath = drive.v2xPath
    options.dataPort = data.boundPort
    options.positionPort = position.boundPort
    options.v2xEndpoint = endpoint
    options.rate = 4  // the 0.4 s drive in about 0.1 s of sending
    options.startDelaySeconds = 0.3  // the subscriber's connect completes meanwhile
    let started = Date()
    let summary = try Player(options: options).run(context: context)
    let elapsed = Date().timeIntervalSince(started) - 0.3
    var dataCount = 0
    var positionCount = 0
    var sizes = Set<Int>()
    while try data.receiveBatch(
      timeoutMilliseconds: 200,
      {
        sizes.insert($0.payload.count)
        dataCount += 1
      }) > 0
    {}
    while try position.receiveBatch(timeoutMilliseconds: 100, { _ in positionCount += 1 }) > 0 {}
    var messages = 0
    while try subscriber.receive(timeoutMilliseconds: 200) != nil { messages += 1 }
    #expect(summary.dataDatagrams == 293 && summary.positionDatagrams == 57)
    #expect(dataCount == 293 && positionCount == 57 && sizes == [1206])
    // 35 log entries (one is a duplicate, as a second radio delivers it).
    #expect(summary.v2xMessages == 35 && messages == 35)
    // Paced: 0.39 s of capture at 4× takes about 0.1 s, not no time at all.
    #expect(elapsed > 0.07)
  }

  @Test func seekingPastTheEndIsAClearError() throws {
    var options = PlayOptions(lidarPath: bundledCapture)
    options.seekSeconds = 60
    options.v2xEndpoint = "tcp://127.0.0.1:5622"
    options.dataPort = 9
    options.positionPort = 9
    #expect {
      _ = try Player(options: options).run(context: try ZMQContext())
    } throws: { "\($0)".contains("past the drive's end") }
  }
}
