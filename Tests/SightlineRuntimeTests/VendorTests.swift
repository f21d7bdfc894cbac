import Foundation
import SightlineLidar
import SightlineLive
import SightlinePipeline
import SightlineReplay
import SightlineUDP
import SightlineZMQ
import Synchronization
import Testing

/// Every vendor through the same pipeline: the config picks the stream, replays and live runs
/// take it, and its sweeps land on the capture's timeline.
@Suite struct VendorTests {
  static let lidar = repositoryRoot.deletingLastPathComponent()
    .appendingPathComponent("shared/data/lidar")

  static func shared(_ name: String) -> String { lidar.appendingPathComponent(name).path }

  static func ousterConfig() -> SightlineConfig {
    var config = SightlineConfig()
    config.lidar.metadataPath = shared("ouster-os0-32-dual.json")
    return config
  }

  /// The UDP payloads of a capture (Ethernet, IPv4, no options), with their ports and times.
  static func payloads(_ name: String) throws -> [(port: UInt16, time: Int64, bytes: [UInt8])] {
    try PcapBytes(path: shared(name)).records.map { record in
      let ip = 14
      let udp = ip + Int(record.data[ip] & 0x0F) * 4
      let port = UInt16(record.data[udp + 2]) << 8 | UInt16(record.data[udp + 3])
      let time = Int64(record.seconds) * 1_000_000_000 + Int64(record.micros) * 1000
      return (port, time, Array(record.data[(udp + 8)...]))
    }
  }

  @Test func anOusterCaptureBecomesOneSweepOnTheCapturesClock() throws {
    var ingest = try LidarIngest(config: Self.ousterConfig())
    #expect(ingest.ports == [7502, 7503])
    var sweeps: [Sweep] = []
    let payloads = try Self.payloads("ouster-os0-32-dual.pcap")
    for payload in payloads {
      payload.bytes.withUnsafeBytes {
        ingest.ingest(payload: $0, destinationPort: payload.port, captureTime: payload.time) {
          sweep, _ in sweeps.append(sweep)
        }
      }
    }
    ingest.flush { sweep, _ in sweeps.append(sweep) }
    #expect(sweeps.count == 1 && sweeps[0].points.count == 21803 && sweeps[0].isComplete)
    // The sensor counts from power-up; its sweep is moved onto the capture's clock.
    let first = try #require(payloads.first { $0.port == 7502 }).time
    #expect(abs(sweeps[0].startNanoseconds - first) < 200_000_000)
    #expect(sweeps[0].points.allSatisfy { abs($0.timeNanoseconds - first) < 200_000_000 })
    #expect(ingest.counters.decodedPackets == 64 && ingest.counters.points == 21803)
    #expect(ingest.stream.drops.map(\.reason) == ["ouster.imu"])
    #expect(ingest.otherVendorHint == nil)
  }

  @Test(arguments: [
    ("Pandar40P", "hesai-40p-dual-last-strongest.pcap", 1439),
    ("PandarQT64", "hesai-qt64-dual-first-last.pcap", 1200),
    ("PandarXT32", "hesai-xt32-dual-last-strongest.pcap", 2000),
    ("PandarQT128", "hesai-qt128-dual-last-strongest.pcap", 1800),
  ])
  func aHesaiCaptureDecodesThroughTheConfig(model: String, capture: String, packets: Int) throws {
    var config = SightlineConfig()
    config.lidar.model = LidarModel(name: model)
    config.lidar.calibrationPath = Self.shared("calibration/hesai-\(model).csv")
    try config.checkConsistency(file: "test")
    var ingest = try LidarIngest(config: config)
    #expect(ingest.ports == [2368])
    var sweeps = 0
    var points = 0
    for payload in try Self.payloads(capture) {
      payload.bytes.withUnsafeBytes {
        ingest.ingest(payload: $0, destinationPort: payload.port, captureTime: payload.time) {
          sweep, _ in
          sweeps += 1
          points += sweep.points.count
        }
      }
    }
    #expect(ingest.counters.decodedPackets == packets && ingest.stream.drops.isEmpty)
    #expect(sweeps >= 2 && ingest.counters.points == points && points > 0)
    #expect(ingest.stream.sensor?.vendor == "Hesai" && ingest.stream.sensor?.model == model)
    #expect(ingest.sensorClockShift == nil)  // the packets carry UTC
  }

  @Test func aHesaiModelWithoutItsCalibrationIsAClearError() {
    var config = SightlineConfig()
    config.lidar.model = .hesai(.pandarQT64)
    #expect {
      try config.checkConsistency(file: "t.toml")
    } throws: { "\($0)".contains("lidar.calibration") }
  }

  @Test func metadataWithAModelOrCalibrationIsAClearError() {
    var config = Self.ousterConfig()
    config.lidar.model = .velodyne(.vlp16)
    #expect(throws: ConfigError.self) { try config.checkConsistency(file: "t.toml") }
    var missing = SightlineConfig()
    missing.lidar.metadataPath = "/nonexistent/os.json"
    #expect {
      _ = try LidarIngest(config: missing)
    } throws: { "\($0)".contains("cannot read the Ouster metadata") }
  }

  @Test func aDriveNamesItsOusterMetadataBesideItsCapture() throws {
    let folder = temporaryPath("ouster-drive")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for name in ["ouster-os0-32-dual.pcap", "ouster-os0-32-dual.json"] {
      try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")
      try FileManager.default.copyItem(atPath: Self.shared(name), toPath: "\(folder)/\(name)")
    }
    try """
    [lidar]
    pcap = "ouster-os0-32-dual.pcap"
    metadata = "ouster-os0-32-dual.json"
    """.write(toFile: "\(folder)/drive.toml", atomically: true, encoding: .utf8)
    let drive = try Drive.load(folder: folder)
    #expect(drive.config.lidar.metadataPath == "\(folder)/ouster-os0-32-dual.json")
    try """
    [lidar]
    pcap = "ouster-os0-32-dual.pcap"
    metadata = "missing.json"
    """.write(toFile: "\(folder)/drive.toml", atomically: true, encoding: .utf8)
    #expect { _ = try Drive.load(folder: folder) } throws: { "\($0)".contains("lidar.metadata") }
  }

  @Test func aLiveRunTakesAnOuster() throws {
    let context = try ZMQContext()
    var options = LiveOptions(config: Self.ousterConfig())
    options.config.publish.endpoint = uniqueEndpoint()
    options.bindAddress = "127.0.0.1"
    options.dataPort = 0
    options.positionPort = 0
    options.durationSeconds = 3
    let payloads = try Self.payloads("ouster-os0-32-dual.pcap").filter { $0.port == 7502 }
    let listening = Mutex<UInt16?>(nil)
    let summary = try LiveRun(options: options).run(context: context) { line in
      guard line.hasPrefix("listening on "), let port = BackgroundRun.port(in: line) else {
        return
      }
      listening.withLock { $0 = port }
      Thread {
        guard let sender = try? UDPSender(address: "127.0.0.1", port: port) else { return }
        for payload in payloads {
          _ = try? payload.bytes.withUnsafeBytes { try sender.send($0) }
          usleep(1000)
        }
      }.start()
    }
    #expect(listening.withLock { $0 } != nil)
    #expect(summary.truncatedDatagrams == 0 && summary.decodedPackets == 64)
    #expect(summary.sweepsPublished >= 1)
  }
}
