import Foundation
import SightlineLidar
import SightlineUDP
import SightlineV2X
import SightlineVelodyne
import SightlineZMQ
import Testing

@testable import SightlinePipeline
@testable import SightlineReplay
@testable import SightlineTools

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

  /// What arrives at two receivers when `options` (whose ports are set here) is played as fast
  /// as possible: the payloads at the data port and at the second-stream port.
  private func received(_ options: PlayOptions) throws -> (
    summary: PlaySummary, data: [[UInt8]], second: [[UInt8]]
  ) {
    let data = try UDPReceiver(
      bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 8 << 20, maxDatagramSize: 16384)
    let second = try UDPReceiver(
      bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 1 << 20, batchSize: 8,
      maxDatagramSize: 1024)
    var options = options
    options.dataPort = data.boundPort
    options.positionPort = second.boundPort
    options.v2xEndpoint = uniqueEndpoint()
    options.rate = nil
    let summary = try Player(options: options).run(context: try ZMQContext())
    var dataPayloads: [[UInt8]] = []
    var secondPayloads: [[UInt8]] = []
    while try data.receiveBatch(
      timeoutMilliseconds: 200, { dataPayloads.append(Array($0.payload)) })
      > 0
    {}
    while try second.receiveBatch(
      timeoutMilliseconds: 100, { secondPayloads.append(Array($0.payload)) }) > 0
    {}
    return (summary, dataPayloads, secondPayloads)
  }

  /// An Ouster's packets go out from its metadata's ports, as `sightline run --metadata` reads
  /// them, and as recorded (its clock is free-running: the receiver moves it).
  @Test func anOustersPacketsAreFoundByItsMetadata() throws {
    let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent(
      "shared/data/lidar")
    let capture = shared.appendingPathComponent("ouster-os0-32-dual.pcap").path
    var config = SightlineConfig()
    config.lidar.metadataPath = shared.appendingPathComponent("ouster-os0-32-dual.json").path
    let options = try PlayOptions(lidarPath: capture, config: config)
    #expect(options.capturePorts == [7502, 7503] && !options.restampsLidarPackets)
    #expect(options.dataPort == 7502 && options.positionPort == 7503 && options.restamp)
    let (summary, data, imu) = try received(options)
    #expect(summary.dataDatagrams == 64 && summary.positionDatagrams == 10)
    #expect(summary.otherDatagramsSkipped == 0)
    #expect(data.count == 64 && Set(data.map(\.count)) == [8448])
    #expect(imu.count == 10 && Set(imu.map(\.count)) == [48])
    // Byte for byte as captured (the first lidar packet: after its frame's 42 header bytes).
    let first = try #require(
      try PcapBytes(path: capture).records.first { $0.data.count == 42 + 8448 })
    #expect(data.first == Array(first.data[42...]))
    #expect(
      PlaySummaryReport.line(summary, options: options).contains(
        "64 data and 10 IMU datagrams"))
    #expect(
      PlaySummaryReport.line(summary, options: options).contains("LiDAR packets sent as recorded"))

    // Without the metadata, nothing in the capture is a Velodyne's: all of it is skipped.
    let velodyne = try received(try PlayOptions(lidarPath: capture, config: SightlineConfig()))
    #expect(velodyne.summary.dataDatagrams == 0 && velodyne.summary.otherDatagramsSkipped == 74)
    #expect(velodyne.data.isEmpty && velodyne.second.isEmpty)
  }

  /// `--filter` sends only what the BPF filter passes.
  @Test func aFilterSendsOnlyWhatItPasses() throws {
    var config = SightlineConfig()
    config.lidar.captureFilter = "udp dst port 8308"
    let options = try PlayOptions(lidarPath: bundledCapture, config: config)
    #expect(options.captureFilter == "udp dst port 8308" && options.restampsLidarPackets)
    let (summary, data, position) = try received(options)
    #expect(summary.dataDatagrams == 0 && summary.positionDatagrams == 57)
    #expect(data.isEmpty && position.count == 57)
  }

  /// `sightline play` takes the sensor options: an Ouster's metadata and a filter.
  @Test func theCommandTakesTheSensorOptions() throws {
    let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent(
      "shared/data/lidar")
    let capture = shared.appendingPathComponent("ouster-os0-32-dual.pcap").path
    let metadata = shared.appendingPathComponent("ouster-os0-32-dual.json").path
    let data = try UDPReceiver(
      bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 1 << 20, maxDatagramSize: 16384)
    let imu = try UDPReceiver(bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 1 << 20)
    let result = try sightline([
      "play", "--lidar", capture, "--metadata", metadata, "--filter", "udp dst port 7503",
      "--rate", "max", "--start", "0", "--port", "\(data.boundPort)", "--position-port",
      "\(imu.boundPort)", "--v2x-endpoint", uniqueEndpoint(),
    ])
    #expect(result.status == 0, "\(result.errors)")
    #expect(
      result.output.contains(
        "0 data and 10 IMU datagrams to 127.0.0.1:\(data.boundPort)/\(imu.boundPort)"),
      "\(result.output)")
    var arrived = 0
    while try imu.receiveBatch(timeoutMilliseconds: 100, { _ in arrived += 1 }) > 0 {}
    #expect(arrived == 10)
    // Metadata that is not there is a clear error, before anything is sent.
    let missing = try sightline(["play", "--lidar", capture, "--metadata", "/nonexistent.json"])
    #expect(missing.status != 0 && missing.errors.contains("cannot read the Ouster metadata"))
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

/// Restamping moves every clock of a drive by one shift and nothing else.
@Suite struct RestampTests {
  @Test func everyClockMovesByTheSameShiftAndNothingElseChanges() throws {
    // 2 h 3 min 4.5 s later: the hour, the minute and the millisecond all wrap.
    let shift: Int64 = 7_384_500_000_000
    var restamp = Restamp(shiftNanoseconds: shift)
    let log = try V2XLog.read(
      path: repositoryRoot.appendingPathComponent("Replay/vlp16-strongest-gps/v2x-real-bsm.jsonl")
        .path)
    for entry in log {
      let payload = try #require(entry.payload)
      let moved = restamp.v2xPayload(payload)
      let before = try payload.withUnsafeBytes { try J2735.decodeFrame($0).get() }
      let after = try moved.withUnsafeBytes { try J2735.decodeFrame($0).get() }
      guard case .bsm(let old) = before.body, case .bsm(var new) = after.body else {
        Issue.record("not a BSM")
        continue
      }
      #expect(Int(new.coreData.secMark) == (Int(old.coreData.secMark) + 4_500) % 60_000)
      new.coreData.secMark = old.coreData.secMark
      #expect(new == old)
      // Part II travels verbatim: the frames differ only where secMark sits.
      #expect(moved.count == payload.count)
    }
    #expect(restamp.v2xRestamped == log.count && restamp.v2xUnchanged == 0)
    // Garbage is passed on untouched (and counted).
    #expect(restamp.v2xPayload([0xFF, 0x00]) == [0xFF, 0x00] && restamp.v2xUnchanged == 1)

    // A data packet's timestamp wraps past the hour.
    var packet = [UInt8](repeating: 0, count: 1206)
    let pastHour: UInt32 = 3_599_000_000  // 59:59
    for index in 0..<4 { packet[1200 + index] = UInt8(truncatingIfNeeded: pastHour >> (8 * index)) }
    var out: [UInt8] = []
    packet.withUnsafeBytes { restamp.dataPacket($0, into: &out) }
    let stamped = (0..<4).reduce(UInt32(0)) { $0 | UInt32(out[1200 + $1]) << (8 * $1) }
    #expect(Int64(stamped) == (Int64(pastHour) + shift / 1000) % 3_600_000_000)
    #expect(out[..<1200] == packet[..<1200])

    // A position packet: its GPRMC moves with the same shift and still parses.
    var writer = PositionPacketWriter()
    let fix = GNSSFix(utcNanoseconds: 1_453_364_282_000_000_000, latitude: 40.5, longitude: -3.25)
    let position = writer.write(microsecondsPastHour: 1_082_000_000, ppsStatus: 2, fix: fix)
    let movedPosition = try #require(position.withUnsafeBytes { restamp.positionPacket($0) })
    let parsed = try movedPosition.withUnsafeBytes { try PositionPacket.parse($0).get() }
    #expect(parsed.fix?.utcNanoseconds == fix.utcNanoseconds + shift)
    #expect(parsed.fix?.latitude == 40.5 && parsed.ppsStatus == 2)
  }
}
