import Foundation
import SightlineNet
import SightlinePcap
import SightlineVelodyne
import Testing

@testable import SightlinePipeline
@testable import SightlineTools

/// `sightline merge` on two real captures held back from the bundle (shared/data/lidar): a
/// VLS-128 on port 2368 and a VLP-16 with GPRMC on 2369 and 8308, as Replay/two-velodynes is
/// made. Each sensor, decoded from the merged capture by port, gives exactly what its own
/// capture gives alone over the same span; its sensor times moved with its capture times.
@Suite(.serialized) struct CaptureMergeTests {
  static let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent(
    "shared/data/lidar")
  static let vls128 = shared.appendingPathComponent("vls128-strongest.pcap").path
  static let vlp16 = shared.appendingPathComponent("vlp16-strongest-gps.pcap").path

  /// What a single-sensor ingest counts.
  struct Counts: Equatable {
    var dataPackets = 0
    var decodedPackets = 0
    var points = 0
    var sweeps = 0
    var positionPackets = 0
    var gnssFixes = 0
  }

  /// One Velodyne decoded alone, as `sightline inspect` decodes it, from the records that
  /// `filter` passes, up to the first record at or after `before`.
  func decode(
    _ path: String, filter: String? = nil, dataPort: UInt16 = 2368, before: Int64 = .max
  ) throws -> Counts {
    let capture = try LinkLayerCapture(path: path, filter: filter)
    var ingest = LidarIngest(
      decoder: VelodyneDecoder(), assembler: SweepAssembler(), dataPort: dataPort,
      positionPort: 8308)
    var sweeps = 0
    var stopped = false
    let damage = try capture.read { record in
      stopped = stopped || record.timestampNanoseconds >= before
      guard !stopped else { return }
      ingest.ingest(
        frame: record.bytes, linkType: capture.linkType, captureTime: record.timestampNanoseconds
      ) { _, _ in sweeps += 1 }
    }
    #expect(damage == nil)
    ingest.flush { _, _ in sweeps += 1 }
    let c = ingest.counters
    return Counts(
      dataPackets: c.lidarPackets, decodedPackets: c.decodedPackets, points: c.points,
      sweeps: sweeps, positionPackets: c.positionPackets, gnssFixes: c.gnssFixes)
  }

  func requireInputs() throws {
    for path in [Self.vls128, Self.vlp16] {
      try #require(
        FileManager.default.fileExists(atPath: path),
        "\(path) is missing: the held-back captures are in ../shared/data/lidar")
    }
  }

  func merge(_ output: String, seconds: Double? = nil) throws -> CaptureMerge.Summary {
    try CaptureMerge(
      inputs: [
        .init(path: Self.vls128, port: 2368),
        .init(path: Self.vlp16, port: 2369, positionPort: 8308),
      ], seconds: seconds
    ).run(output: output)
  }

  @Test func twoRealSensorsOnTwoPortsGiveEachTheCountsItGetsAlone() throws {
    try requireInputs()
    let merged = temporaryPath("two-velodynes.pcap")
    let summary = try merge(merged)
    let vlsAlone = try decode(Self.vls128)
    let vlpAlone = try decode(Self.vlp16)
    // Replay/two-velodynes/README.md quotes these (`sightline inspect` on each capture).
    #expect(
      vlsAlone
        == Counts(
          dataPackets: 2193, decodedPackets: 2193, points: 764_149, sweeps: 4, positionPackets: 0,
          gnssFixes: 0))
    #expect(
      vlpAlone
        == Counts(
          dataPackets: 293, decodedPackets: 293, points: 73_486, sweeps: 5, positionPackets: 57,
          gnssFixes: 57))
    #expect(try decode(merged, filter: "udp dst port 2368") == vlsAlone)
    #expect(
      try decode(merged, filter: "udp dst port 2369 or udp dst port 8308", dataPort: 2369)
        == vlpAlone)
    // The config's capture filter through `sightline inspect`'s path gives the same.
    var config = SightlineConfig()
    config.lidar.captureFilter = "udp dst port 2368"
    let inspected = try Inspect.run(capture: merged, config: config)
    #expect(inspected.streams.count == 1 && inspected.streams.first?.points == vlsAlone.points)
    #expect(summary.records == 2193 + 293 + 57)
    #expect(summary.inputs.map(\.leftOut) == [0, 0])
  }

  @Test func aCutMergeGivesEachSensorItsCountsOverTheSameSpan() throws {
    try requireInputs()
    let merged = temporaryPath("two-velodynes-cut.pcap")
    let seconds = 0.2
    let summary = try merge(merged, seconds: seconds)
    let cut = Int64(seconds * 1e9)
    let vlsStart = try #require(try PcapFile.timeRange(path: Self.vls128)).first
    let vlpStart = try #require(try PcapFile.timeRange(path: Self.vlp16)).first
    let vlsAlone = try decode(Self.vls128, before: vlsStart + cut)
    let vlpAlone = try decode(Self.vlp16, before: vlpStart + cut)
    // The cut is inside both captures, about half of each.
    #expect(vlsAlone.dataPackets > 1000 && vlsAlone.dataPackets < 2193)
    #expect(vlpAlone.dataPackets > 100 && vlpAlone.dataPackets < 293)
    #expect(try decode(merged, filter: "udp dst port 2368") == vlsAlone)
    #expect(
      try decode(merged, filter: "udp dst port 2369 or udp dst port 8308", dataPort: 2369)
        == vlpAlone)
    let span = try #require(
      summary.lastNanoseconds.flatMap { last in
        summary.firstNanoseconds.map { last - $0 }
      })
    #expect(span < cut && summary.firstNanoseconds == vlsStart)
  }

  /// A record's UDP datagram: destination port, payload, capture time.
  func datagrams(_ path: String) throws -> [(port: UInt16, payload: [UInt8], time: Int64)] {
    let capture = try LinkLayerCapture(path: path)
    var extractor = DatagramExtractor()
    var out: [(port: UInt16, payload: [UInt8], time: Int64)] = []
    _ = try capture.read { record in
      if case .datagram(let datagram) = extractor.extract(
        record.bytes, linkType: capture.linkType,
        captureTimeNanoseconds: record.timestampNanoseconds)
      {
        out.append((datagram.destinationPort, Array(datagram.payload), record.timestampNanoseconds))
      }
    }
    return out
  }

  /// Sensor time minus capture time, in microseconds, both as past the hour (so that the
  /// capture's date does not matter), within half an hour either way.
  static func offset(sensorMicroseconds: UInt32, captureTime: Int64) -> Int64 {
    let hour: Int64 = 3_600_000_000
    let capture = (captureTime / 1000) % hour
    let difference = ((Int64(sensorMicroseconds) - capture) % hour + hour) % hour
    return difference > hour / 2 ? difference - hour : difference
  }

  static func timestamp(_ payload: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(0) { $0 | UInt32(payload[offset + $1]) << (8 * $1) }
  }

  @Test func sensorTimesMoveWithTheCaptureTimes() throws {
    try requireInputs()
    let merged = try datagrams(
      {
        let path = temporaryPath("two-velodynes-times.pcap")
        _ = try merge(path)
        return path
      }())
    let vls = try datagrams(Self.vls128)
    let vlp = try datagrams(Self.vlp16)
    // Both sensors start together, at the first capture's start.
    let firstVLP = try #require(merged.first { $0.port == 2369 || $0.port == 8308 })
    #expect(firstVLP.time == vls[0].time && merged[0].time == vls[0].time)
    #expect(zip(merged, merged.dropFirst()).allSatisfy { $0.time <= $1.time })
    // The VLS-128 (the first input) is as recorded, byte for byte.
    let mergedVLS = merged.filter { $0.port == 2368 }
    #expect(mergedVLS.map(\.payload) == vls.map(\.payload))
    #expect(mergedVLS.map(\.time) == vls.map(\.time))
    // The VLP-16's packet times moved with its capture times: the same offset, to the
    // microsecond (the shift's nanoseconds are dropped); the VLP-16 moved by four years, 2016 to 2020.
    let (movedData, recordedData) = (
      merged.filter { $0.port == 2369 }, vlp.filter { $0.port == 2368 }
    )
    #expect(movedData.count == 293 && recordedData.count == 293)
    let data = Array(zip(movedData, recordedData))
    #expect(data.first.map { $0.0.time - $0.1.time } ?? 0 > 100_000_000_000_000_000)
    for (moved, recorded) in data {
      let change =
        Self.offset(
          sensorMicroseconds: Self.timestamp(moved.payload, at: 1200), captureTime: moved.time)
        - Self.offset(
          sensorMicroseconds: Self.timestamp(recorded.payload, at: 1200), captureTime: recorded.time
        )
      #expect(abs(change) <= 1, "\(change) µs")
    }
    // Position packets: their own microseconds the same way, the GPRMC to its 0.01 s.
    let (movedPositions, recordedPositions) = (
      merged.filter { $0.port == 8308 }, vlp.filter { $0.port == 8308 }
    )
    #expect(movedPositions.count == 57 && recordedPositions.count == 57)
    let positions = Array(zip(movedPositions, recordedPositions))
    for (moved, recorded) in positions {
      let movedPacket = try moved.payload.withUnsafeBytes { try PositionPacket.parse($0).get() }
      let recordedPacket = try recorded.payload.withUnsafeBytes {
        try PositionPacket.parse($0).get()
      }
      let change =
        Self.offset(sensorMicroseconds: movedPacket.microsecondsPastHour, captureTime: moved.time)
        - Self.offset(
          sensorMicroseconds: recordedPacket.microsecondsPastHour, captureTime: recorded.time)
      #expect(abs(change) <= 1, "\(change) µs")
      let movedFix = try #require(movedPacket.fix)
      let recordedFix = try #require(recordedPacket.fix)
      let fixChange =
        (movedFix.utcNanoseconds - moved.time) - (recordedFix.utcNanoseconds - recorded.time)
      #expect(abs(fixChange) <= 10_000_000, "\(fixChange) ns")
      #expect(abs(movedFix.latitude - recordedFix.latitude) < 1e-8 && movedFix.isValid)
    }
  }
}
