import Foundation
import SightlineHesai
import SightlineLidar
import Testing

/// One shared capture and nebula's reference scan of it, with the settings MANIFEST.md gives.
struct HesaiReference: Sendable, CustomStringConvertible {
  var name: String
  var model: HesaiModel
  var capture: String
  var minimumRange: Double
  var maximumRange: Double
  /// Nebula's frame N: the N-th cut from the start of the pcap (0 is the partial first scan).
  var frame: Int
  /// The packets (0-based, inclusive) that gave the frame a firing.
  var packets: ClosedRange<Int>
  var points: Int
  var returnMode: String
  var profile: String
  /// Firings per revolution at 600 RPM: 0.2° (40P), 0.6° (QT64), 0.18° (XT32), 0.4° (QT128).
  var columns: Int

  var description: String { name }

  static let all: [HesaiReference] = [
    HesaiReference(
      name: "40p", model: .pandar40P, capture: "hesai-40p-dual-last-strongest.pcap",
      minimumRange: 0.3, maximumRange: 200, frame: 3, packets: 714...1082, points: 56762,
      returnMode: "dual (last+strongest)", profile: "no header", columns: 1800),
    HesaiReference(
      name: "qt64", model: .pandarQT64, capture: "hesai-qt64-dual-first-last.pcap",
      minimumRange: 0.1, maximumRange: 60, frame: 3, packets: 593...905, points: 34158,
      returnMode: "dual (first+last)", profile: "3.1", columns: 600),
    HesaiReference(
      name: "xt32", model: .pandarXT32, capture: "hesai-xt32-dual-last-strongest.pcap",
      minimumRange: 0.05, maximumRange: 120, frame: 3, packets: 1498...1998, points: 63021,
      returnMode: "dual (last+strongest)", profile: "6.1", columns: 2000),
    HesaiReference(
      name: "qt128", model: .pandarQT128, capture: "hesai-qt128-dual-last-strongest.pcap",
      minimumRange: 0.3, maximumRange: 300, frame: 1, packets: 855...1798, points: 73560,
      returnMode: "dual (last+strongest)", profile: "3.2", columns: 900),
  ]

  var captureURL: URL { sharedLidarData.appendingPathComponent(capture) }
  var referenceURL: URL {
    sharedLidarData.appendingPathComponent("reference/hesai-\(name).nebula.pcd")
  }

  func stream() throws -> HesaiStream {
    HesaiStream(
      calibration: try hesaiCalibration(model),
      settings: HesaiDecoderSettings(minimumRange: minimumRange, maximumRange: maximumRange))
  }
}

@Suite struct HesaiCaptureTests {
  @Test(arguments: HesaiReference.all)
  func referenceScanMatchesNebula(_ reference: HesaiReference) throws {
    var stream = try reference.stream()
    let sweeps = ingest(try udpPayloads(reference.captureURL.path), into: &stream).cut
    try #require(sweeps.count > reference.frame)
    let expected = try readXYZPCD(reference.referenceURL)
    #expect(expected.count == reference.points)
    let comparison = CloudComparison(sweeps[reference.frame].points, reference: expected)
    print("hesai \(reference): \(comparison)")
    #expect(comparison.count == comparison.referenceCount)
    #expect(comparison.fractionWithin1cm >= 0.999)
  }

  /// Neighbouring scans of a parked car match nebula's at 2 cm too: the count tells them apart.
  @Test(arguments: HesaiReference.all)
  func neighbouringScansHaveOtherCounts(_ reference: HesaiReference) throws {
    var stream = try reference.stream()
    let sweeps = ingest(try udpPayloads(reference.captureURL.path), into: &stream).cut
    let counts = sweeps.map(\.points.count)
    #expect(counts.filter { $0 == reference.points }.count == 1, "\(counts)")
  }

  @Test(arguments: HesaiReference.all)
  func referenceScanSpansItsPackets(_ reference: HesaiReference) throws {
    var stream = try reference.stream()
    let sweeps = ingest(try udpPayloads(reference.captureURL.path), into: &stream).cut
    try #require(sweeps.count > reference.frame)
    let sweep = sweeps[reference.frame]
    #expect(sweep.packetCount == reference.packets.count)
    #expect(sweep.beganAtCut && sweep.endedAtCut && !sweep.hadGap)
    #expect(sweep.packetsMissing == 0)
    // A turn, plus the spread of the lasers' azimuth offsets (up to 21° on the QT128).
    #expect(sweep.coverageCentidegrees > 35_500 && sweep.coverageCentidegrees < 38_200)
    #expect(sweep.endNanoseconds - sweep.startNanoseconds > 95_000_000)
    #expect(sweep.endNanoseconds - sweep.startNanoseconds < 107_000_000)
  }

  @Test(arguments: HesaiReference.all)
  func everyPacketIsDecodedAndDescribed(_ reference: HesaiReference) throws {
    var stream = try reference.stream()
    _ = ingest(try udpPayloads(reference.captureURL.path), into: &stream)
    #expect(stream.drops.isEmpty, "\(stream.drops)")
    #expect(stream.packetsLost == 0)
    let sensor = try #require(stream.sensor)
    #expect(sensor.vendor == "Hesai")
    #expect(sensor.model == reference.model.rawValue)
    #expect(sensor.profile == reference.profile)
    #expect(sensor.returnMode == reference.returnMode)
    #expect(sensor.beams == reference.model.laserCount)
    // At the motor speed of the last packet (598–602 RPM): within 0.5 % of 600 RPM's.
    #expect(abs(sensor.columnsPerRevolution - reference.columns) <= reference.columns / 200)
    #expect(abs(sensor.revolutionsPerSecond - 10) < 0.05)
    #expect(sensor.timeBase == .utc)
  }
}
