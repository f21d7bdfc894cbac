import Foundation
import SightlineHesai
import SightlineLidar
import Testing

/// The shared captures, read once.
enum HesaiCaptures {
  static let qt64 = load("hesai-qt64-dual-first-last.pcap")
  static let qt128 = load("hesai-qt128-dual-last-strongest.pcap")
  static let pandar40P = load("hesai-40p-dual-last-strongest.pcap")

  private static func load(_ name: String) -> [(port: UInt16, bytes: [UInt8])] {
    (try? udpPayloads(sharedLidarData.appendingPathComponent(name).path)) ?? []
  }
}

func dropCounts(_ stream: HesaiStream) -> [String: Int] {
  Dictionary(uniqueKeysWithValues: stream.drops.map { ($0.reason, $0.count) })
}

@Suite struct HesaiStreamTests {
  /// Every kind of bad payload is counted under its reason; nothing traps.
  @Test func badPayloadsAreCountedByReason() throws {
    let good = try #require(HesaiCaptures.qt64.first).bytes
    var unknownProtocol = good
    unknownProtocol[2] = 9
    var badReturnMode = good
    badReturnMode[1044 + 16] = 0x30
    var badAzimuth = good
    badAzimuth[12] = 0xA0  // block 0 azimuth 0x..A0 + high byte below
    badAzimuth[13] = 0x8C  // 0x8CA0 = 36000
    var zeroUnit = good
    zeroUnit[9] = 0
    let payloads: [(port: UInt16, bytes: [UInt8])] = [
      (2368, Array(good.prefix(100))),  // truncated
      (2368, Array(good.prefix(1)).map { $0 }),  // shorter than a start of packet
      (2368, good + [0, 0, 0]),  // a size no QT64 sends
      (2368, unknownProtocol),
      (2368, [0x12, 0x34] + good.dropFirst(2)),  // neither EE FF nor FF EE
      (2368, badReturnMode),
      (2368, badAzimuth),
      (2368, zeroUnit),
      (2369, good),  // another port
      (2368, try #require(HesaiCaptures.pandar40P.first).bytes),  // another model
      (2368, good),
      (2368, good),  // the same sequence number again
    ]
    var stream = HesaiStream(calibration: try hesaiCalibration(.pandarQT64))
    let sweeps = ingest(payloads, into: &stream)
    #expect(
      dropCounts(stream) == [
        "hesai.truncated": 2, "hesai.wrong_size": 1, "hesai.unknown_protocol": 1,
        "hesai.unknown_format": 1, "hesai.return_mode": 1, "hesai.azimuth": 1,
        "hesai.distance_unit": 1, "hesai.other_port": 1, "hesai.model_mismatch": 1,
        "hesai.out_of_order": 1,
      ])
    // The good packet, once, is all that gave points.
    var alone = HesaiStream(calibration: try hesaiCalibration(.pandarQT64))
    let once = ingest([(2368, good)], into: &alone)
    let points = { (sweeps: [HesaiSweep]) in sweeps.map(\.points.count).reduce(0, +) }
    #expect(points(sweeps.cut + sweeps.flushed) == points(once.cut + once.flushed))
    #expect(points(once.cut + once.flushed) > 0)
  }

  @Test func aBrokenBlockMarkerIsCounted() throws {
    var payload = try #require(HesaiCaptures.pandar40P.first).bytes
    payload[124 * 3] = 0  // block 3's FF EE
    var stream = HesaiStream(calibration: try hesaiCalibration(.pandar40P))
    _ = ingest([(2368, payload)], into: &stream)
    #expect(dropCounts(stream) == ["hesai.block_marker": 1])
  }

  /// A flipped byte anywhere the QT128's CRCs cover drops the packet, counted by part.
  @Test func qt128CRCFailuresAreCounted() throws {
    let good = try #require(HesaiCaptures.qt128.first).bytes
    var body = good
    body[500] ^= 0x01
    var safety = good
    safety[1046] ^= 0x80
    var tail = good
    tail[1061 + 22] ^= 0x10  // the µs timestamp
    var stream = HesaiStream(calibration: try hesaiCalibration(.pandarQT128))
    _ = ingest([(2368, body), (2368, safety), (2368, tail), (2368, good)], into: &stream)
    #expect(dropCounts(stream) == ["hesai.crc": 3])
    #expect(stream.crcFailures == .init(body: 1, functionalSafety: 1, tail: 1))
    let safetyBlock = try #require(stream.functionalSafety)
    #expect(safetyBlock.lidarState == 0 && !safetyBlock.isDegraded)
    #expect(stream.degradedPackets == 0)
  }

  /// Lost packets show as UDP sequence gaps: counted in the sweep they fell in, which is flagged.
  @Test func sequenceGapsAreCountedAndFlagged() throws {
    var payloads = HesaiCaptures.qt64
    try #require(payloads.count == 1200)
    payloads.removeSubrange(700..<705)  // inside frame 3 (packets 593–905)
    var stream = HesaiStream(
      calibration: try hesaiCalibration(.pandarQT64),
      settings: HesaiDecoderSettings(minimumRange: 0.1, maximumRange: 60))
    let sweeps = ingest(payloads, into: &stream).cut
    #expect(stream.packetsLost == 5)
    #expect(sweeps.map(\.packetsMissing) == [0, 0, 0, 5])
    #expect(sweeps.map(\.hadGap) == [false, false, false, true])
    #expect(sweeps[3].packetCount == 313 - 5)
    #expect(stream.drops.isEmpty)
  }

  /// A packet already seen, or just behind the newest, would turn the scan back: dropped. A
  /// sequence that jumps far either way is a restart: a gap, but nothing counted as lost.
  @Test func latePacketsAreDroppedAndRestartsAccepted() throws {
    let sequences: [UInt32] = [10, 11, 9, 11, 14, 5_000_000, 3, 4]
    let payloads = sequences.enumerated().map { index, sequence in
      var writer = HesaiPacketWriter(model: .pandarXT16, firstAzimuth: UInt16(100 + index * 144))
      writer.sequence = sequence
      writer.units[0][0] = (2500, 1)
      return (port: UInt16(2368), bytes: writer.bytes())
    }
    var stream = HesaiStream(calibration: try hesaiCalibration(.pandarXT16))
    let sweeps = ingest(payloads, into: &stream)
    #expect(dropCounts(stream) == ["hesai.out_of_order": 2])
    #expect(stream.packetsLost == 2)  // 12 and 13
    let sweep = try #require(sweeps.flushed.first)
    #expect(sweep.packetCount == 6 && sweep.packetsMissing == 2 && sweep.hadGap)
  }

  /// The 40P has no UDP sequence: a jump in azimuth tells the loss instead.
  @Test func pandar40PLossIsJudgedFromAzimuth() throws {
    var payloads = HesaiCaptures.pandar40P
    try #require(payloads.count == 1439)
    payloads.removeSubrange(800..<803)
    var stream = HesaiStream(calibration: try hesaiCalibration(.pandar40P))
    let sweeps = ingest(payloads, into: &stream).cut
    #expect(stream.packetsLost == 3)
    #expect(sweeps.map(\.hadGap) == [false, false, false, true])
  }

  /// A laser exactly at the cut (0°) stays in the old scan; the next firing starts the new one.
  @Test func aLaserAtTheCutStaysInTheOldScan() throws {
    var payloads: [(port: UInt16, bytes: [UInt8])] = []
    // XT16 lasers have no azimuth offset: firings at 359.28°, 359.46°, … 0°, 0.18°, …
    for packet in 0..<3 {
      var writer = HesaiPacketWriter(
        model: .pandarXT16, firstAzimuth: UInt16(35928 + 144 * packet) % 36000, step: 18)
      writer.sequence = UInt32(packet + 1)
      for block in 0..<8 { writer.units[block][0] = (2500, UInt8(block)) }
      payloads.append((2368, writer.bytes()))
    }
    var stream = HesaiStream(calibration: try hesaiCalibration(.pandarXT16))
    let (cut, flushed) = ingest(payloads, into: &stream)
    try #require(cut.count == 1 && flushed.count == 1)
    #expect(cut[0].points.last?.azimuthCentidegrees == 0)
    #expect(cut[0].points.count == 5)
    #expect(flushed[0].points.first?.azimuthCentidegrees == 18)
    #expect(cut[0].endedAtCut && !cut[0].beganAtCut && flushed[0].beganAtCut)
  }

  /// Sweeps are filled in buffers reserved for a revolution: no sweep outgrows them.
  @Test func sweepBuffersNeverGrow() throws {
    try #require(HesaiCaptures.qt128.count == 1800)
    var stream = HesaiStream(calibration: try hesaiCalibration(.pandarQT128))
    var capacities: Set<Int> = []
    for payload in HesaiCaptures.qt128 {
      payload.bytes.withUnsafeBytes {
        stream.ingest(payload: $0, destinationPort: payload.port, captureTimeNanoseconds: 0) {
          sweep, _ in capacities.insert(sweep.points.capacity)
        }
      }
    }
    #expect(capacities.count == 1)
    #expect(capacities.first ?? 0 >= HesaiModel.pandarQT128.pointsPerRevolution)
  }
  // No allocation once warm: Tools/oracle/check_allocations.py, on the optimised build.
}
