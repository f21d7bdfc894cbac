import Foundation
import SightlineLidar
import SightlinePipeline
import SightlineVelodyne
import Testing

/// Replays a capture through ingest alone and returns its sweeps' last-packet times.
func sweepEndTimes(_ path: String, config: SightlineConfig = SightlineConfig()) throws -> [Int64] {
  var ingest = try LidarIngest(config: config)
  let capture = try PcapBytes(path: path)
  var ends = [Int64]()
  func collect(_ sweep: inout Sweep, _: Int64) { ends.append(sweep.endNanoseconds) }
  for record in capture.records {
    let time = Int64(record.seconds) * 1_000_000_000 + Int64(record.micros) * 1000
    record.data.withUnsafeBytes {
      ingest.ingest(frame: $0, linkType: .ethernet, captureTime: time, onSweep: collect)
    }
  }
  ingest.flush(onSweep: collect)
  return ends
}

func shiftedCapture(by seconds: Int) throws -> String {
  var capture = try PcapBytes(path: bundledCapture)
  capture.records = capture.records.map { (UInt32(Int($0.seconds) + seconds), $0.micros, $0.data) }
  let path = temporaryPath("shifted-\(seconds).pcap")
  try capture.write(to: path)
  return path
}

@Suite struct IngestTests {
  let hour: Int64 = 3_600_000_000_000

  /// Ingests a shared capture with the default (Velodyne) config.
  private func ingested(_ name: String) throws -> LidarIngest {
    let path = repositoryRoot.deletingLastPathComponent()
      .appendingPathComponent("shared/data/lidar/\(name)").path
    var ingest = try LidarIngest(config: SightlineConfig())
    for record in try PcapBytes(path: path).records {
      let time = Int64(record.seconds) * 1_000_000_000 + Int64(record.micros) * 1000
      record.data.withUnsafeBytes {
        ingest.ingest(frame: $0, linkType: .ethernet, captureTime: time) { _, _ in }
      }
    }
    return ingest
  }

  @Test func packetsOfAnotherVendorAreNamedWithWhatTheyNeed() throws {
    let ouster = try ingested("ouster-os0-32-dual.pcap")
    #expect(ouster.otherVendorPackets == [.ouster: 74])
    #expect(ouster.otherVendorHint?.contains("--metadata") == true)
    let hesai = try ingested("hesai-qt64-dual-first-last.pcap")
    #expect(hesai.otherVendorPackets == [.hesai: 1200])
    #expect(hesai.otherVendorHint?.contains("--calibration") == true)
    #expect(hesai.counters.dataPacketsRejected == 1200)
    let velodyne = try ingested("vlp16-dual.pcap")
    #expect(velodyne.otherVendorPackets.isEmpty && velodyne.otherVendorHint == nil)
    #expect(velodyne.counters.decodedPackets == 603)
  }

  @Test func aHostClockWithinHalfAnHourGivesTheSameTimes() throws {
    let truth = try sweepEndTimes(bundledCapture)
    #expect(try sweepEndTimes(shiftedCapture(by: 20 * 60)) == truth)
    #expect(try sweepEndTimes(shiftedCapture(by: -25 * 60)) == truth)
  }

  @Test func gprmcCorrectsAHostClockThatIsOffByMoreThanHalfAnHour() throws {
    let truth = try sweepEndTimes(bundledCapture)
    let shifted = try sweepEndTimes(shiftedCapture(by: 45 * 60))
    // The first record, a data packet, comes before any fix: only the wrong host clock is
    // known and the hour comes out one too late. The second record carries GPRMC; from then on
    // the hour is right, and the jump back cuts that lone packet off as its own partial sweep.
    let firstPacket: Int64 = 1_453_364_282_340_595_000
    #expect(shifted.first == firstPacket + hour)
    #expect(Array(shifted.dropFirst()) == truth)
  }

  @Test func fixesAreStreamedInOrder() throws {
    var ingest = try LidarIngest(config: SightlineConfig())
    let fixes = FixCollector()
    ingest.onFix = { fixes.items.append($0) }
    let capture = try PcapBytes(path: bundledCapture)
    for record in capture.records {
      let time = Int64(record.seconds) * 1_000_000_000 + Int64(record.micros) * 1000
      record.data.withUnsafeBytes {
        ingest.ingest(frame: $0, linkType: .ethernet, captureTime: time) { _, _ in }
      }
    }
    #expect(fixes.items.count == 57)
    #expect(ingest.counters.gnssFixes == 57)
    let allValid = fixes.items.allSatisfy { $0.isValid }
    #expect(allValid)
    let times = fixes.items.map(\.utcNanoseconds)
    #expect(times == times.sorted())
    #expect(ingest.velodyne?.hour.usesGNSS == true)
  }

  @Test func aCalibrationFileReplacesTheBuiltInGeometry() throws {
    let calibration = repositoryRoot.appendingPathComponent(
      "Tests/SightlineCalibrationTests/Fixtures/VLP16db.yaml"
    ).path
    var config = SightlineConfig()
    config.lidar.model = .velodyne(.vlp16)
    config.lidar.calibrationPath = calibration
    var builtIn = try LidarIngest(config: SightlineConfig())
    var fromFile = try LidarIngest(config: config)
    let capture = try PcapBytes(path: bundledCapture)
    var a = [LidarPoint]()
    var b = [LidarPoint]()
    for record in capture.records.prefix(80) {
      let time = Int64(record.seconds) * 1_000_000_000
      record.data.withUnsafeBytes {
        builtIn.ingest(frame: $0, linkType: .ethernet, captureTime: time) { s, _ in a += s.points }
        fromFile.ingest(frame: $0, linkType: .ethernet, captureTime: time) { s, _ in b += s.points }
      }
    }
    #expect(a.count == b.count && !a.isEmpty)
    // The file has no vertical offsets; the built-in table has the 41.91 mm focal geometry.
    let ring0 = zip(a, b).filter { $0.0.ring == 0 }
    #expect(!ring0.isEmpty)
    for (builtInPoint, filePoint) in ring0 {
      #expect(abs((builtInPoint.z - filePoint.z) - 0.04191 * tanf(15 * .pi / 180)) < 1e-4)
      #expect(builtInPoint.x == filePoint.x)
    }
  }

  @Test func aCalibrationWithoutAModelIsAConfigError() {
    do {
      _ = try SightlineConfig.parse("[lidar]\ncalibration = \"x.yaml\"\n", file: "c.toml")
      Issue.record("accepted a calibration without a model")
    } catch {
      #expect(error.key == "lidar.calibration")
    }
  }
}

final class FixCollector: @unchecked Sendable {
  var items: [GNSSFix] = []
}
