import Foundation
import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlinePipeline
import SightlinePublish
import SightlineRigCheck
import SightlineVelodyne

/// `sightline inspect`: what a capture holds, per sensor (source address), without publishing.
public enum Inspect {
  public struct StreamReport: Codable, Sendable {
    public var source: String
    public var vendor: String?
    public var model: String?
    /// The packet layout: Ouster's UDP profile, Hesai's protocol version, Velodyne's bytes.
    public var profile: String?
    public var returnMode: String?
    public var beams: Int?
    /// Sensor time: "utc", or "sensorLocal" (a free-running clock, moved onto the capture's).
    public var timeBase: String?
    public var rpm: Double?
    public var dataPackets: Int
    public var decodedPackets: Int
    public var packetsPerSecond: Double?
    public var positionPackets: Int
    public var gnssFixes: Int
    public var gnssFixesValid: Int
    public var firstFix: FixReport?
    public var lastFix: FixReport?
    public var hourFrom: String
    public var sweepsComplete: Int
    public var sweepsPartial: Int
    public var packetsLost: Int
    public var packetsLate: Int
    public var points: Int
    public var firstPacketTime: String?
    public var lastPacketTime: String?
    public var rejected: [String: Int]
    /// Every payload of the stream not decoded, by the stream's reason ("ouster.imu", …).
    public var drops: [String: Int]
    public var anomalies: [String]
  }

  public struct FixReport: Codable, Sendable {
    public var utc: String
    public var valid: Bool
    public var latitude: Double
    public var longitude: Double
    public var speedMetersPerSecond: Double?
    public var courseDegrees: Double?
  }

  public struct CaptureReport: Codable, Sendable {
    public var capture: String
    public var linkType: String
    public var records: Int
    public var truncatedRecords: Int
    public var skipped: [String: Int]
    public var otherUDPDatagrams: Int
    public var fragmentsReassembled: Int
    public var streams: [StreamReport]
    /// With several sensors in the config: each, as the run's `LidarRig` reads the capture.
    public var sensors: [RigSensorReport]?
    /// Other UDP payloads that look like another vendor's packets, and what that one needs.
    public var hint: String?
    public var error: String?
  }

  /// Nominal packets per second (single return; dual doubles all but VLS-128), ros-drivers.
  static func nominalRate(_ model: VelodyneModel) -> Double {
    switch model {
    case .vlp16, .puckHiRes: 754
    case .vlp32c: 1507
    case .hdl32e: 1808
    case .vls128: 6253.9
    }
  }

  final class Stream {
    var ingest: LidarIngest
    var sweepsComplete = 0
    var sweepsPartial = 0
    var rpms: [Double] = []
    var firstPacketTime: Int64?
    var lastPacketTime: Int64?
    var fixes: [GNSSFix] = []

    init(ingest: LidarIngest) {
      self.ingest = ingest
      self.ingest.onFix = { [unowned self] in self.fixes.append($0) }
    }

    func sweep(_ sweep: inout Sweep, _: Int64) {
      if sweep.isComplete {
        sweepsComplete += 1
        rpms.append(sweep.rpm)
      } else {
        sweepsPartial += 1
      }
      if firstPacketTime == nil { firstPacketTime = sweep.startNanoseconds }
      lastPacketTime = sweep.endNanoseconds
    }
  }

  public static func run(capture path: String, config: SightlineConfig) throws -> CaptureReport {
    let capture = try LinkLayerCapture(path: path, filter: config.lidar.captureFilter)
    let linkType = capture.linkType
    let template = try LidarIngest(config: config)
    var extractor = DatagramExtractor()
    var streams: [UInt32: Stream] = [:]
    var order: [UInt32] = []
    var skipped = [Int](repeating: 0, count: FrameSkipReason.allCases.count)
    var other = 0
    var guesses: [LidarFormatSniffer.Guess: Int] = [:]
    let ports = Set(template.ports)
    let damage = try capture.read { record in
      switch extractor.extract(
        record.bytes, linkType: linkType, captureTimeNanoseconds: record.timestampNanoseconds)
      {
      case .skipped(let reason): skipped[reason.rawValue] += 1
      case .pendingFragment: break
      case .datagram(let datagram):
        let port = datagram.destinationPort
        guard ports.contains(port) else {
          other += 1
          if let guess = LidarFormatSniffer.guess(datagram.payload, destinationPort: port) {
            guesses[guess, default: 0] += 1
          }
          return
        }
        let stream: Stream
        if let existing = streams[datagram.sourceAddress] {
          stream = existing
        } else {
          stream = Stream(ingest: template)
          streams[datagram.sourceAddress] = stream
          order.append(datagram.sourceAddress)
        }
        stream.ingest.ingest(
          payload: datagram.payload, destinationPort: port,
          captureTime: record.timestampNanoseconds, onSweep: stream.sweep)
      }
    }
    var reports = [StreamReport]()
    for address in order {
      guard let stream = streams[address] else { continue }
      stream.ingest.flush(onSweep: stream.sweep)
      reports.append(report(stream, address: address))
    }
    var skippedByName = [String: Int]()
    for reason in FrameSkipReason.allCases where skipped[reason.rawValue] > 0 {
      skippedByName["\(reason)"] = skipped[reason.rawValue]
    }
    return CaptureReport(
      capture: path, linkType: "\(linkType)", records: capture.records,
      truncatedRecords: capture.truncatedRecords, skipped: skippedByName,
      otherUDPDatagrams: other, fragmentsReassembled: extractor.counters.reassembled,
      streams: reports, sensors: try RigPass.sensors(capture: path, config: config),
      hint: LidarIngest.hint(guesses)
        ?? order.lazy.compactMap { streams[$0]?.ingest.otherVendorHint }.first,
      error: damage.map { "\($0)" })
  }

  static func report(_ stream: Stream, address: UInt32) -> StreamReport {
    let c = stream.ingest.counters
    let header = stream.ingest.velodyne?.lastHeader
    let model = header.flatMap { stream.ingest.velodyne?.decoder.model(of: $0) }
    var rejected = [String: Int]()
    for reason in PacketRejectReason.allCases where c.packetsRejected[reason.rawValue] > 0 {
      rejected["\(reason)"] = c.packetsRejected[reason.rawValue]
    }
    for problem in PositionPacket.Problem.allCases where c.positionProblems[problem.rawValue] > 0 {
      rejected["\(problem)"] = c.positionProblems[problem.rawValue]
    }
    var rate: Double?
    if let first = stream.firstPacketTime, let last = stream.lastPacketTime, last > first,
      c.decodedPackets > 1
    {
      rate = Double(c.decodedPackets + c.packetsMissing - 1) / (Double(last - first) / 1e9)
    }
    var anomalies = [String]()
    if let model, let rate, let mode = header?.returnMode {
      let nominal = nominalRate(model) * (mode == .dual && model != .vls128 ? 2 : 1)
      if abs(rate / nominal - 1) > 0.3 {
        let fits = VelodyneModel.allCases.filter { abs(rate / nominalRate($0) - 1) < 0.15 }
        anomalies.append(
          "packet rate \(Report.fixed(rate, 0))/s does not fit a \(model) in \(mode) mode"
            + " (\(Int(nominal))/s)"
            + (fits.isEmpty ? "" : "; it fits \(fits.map(\.description).joined(separator: " or "))")
        )
      }
    }
    if let contradictions = rejected["\(PacketRejectReason.structureContradictsModel)"] {
      anomalies.append("\(contradictions) packets whose block flags contradict their product byte")
    }
    if let header, header.model == nil {
      anomalies.append(String(format: "unknown product byte 0x%02X", header.productByte))
    }
    let sortedRPM = stream.rpms.sorted()
    let sensor = stream.ingest.stream.sensor
    var drops = [String: Int]()
    for drop in stream.ingest.stream.drops { drops[drop.reason] = drop.count }
    return StreamReport(
      source: ipv4(address), vendor: sensor?.vendor, model: model?.description ?? sensor?.model,
      profile: sensor?.profile,
      returnMode: header?.returnMode?.description ?? sensor?.returnMode, beams: sensor?.beams,
      timeBase: sensor?.timeBase.rawValue,
      rpm: sortedRPM.isEmpty ? nil : sortedRPM[sortedRPM.count / 2],
      dataPackets: c.lidarPackets, decodedPackets: c.decodedPackets, packetsPerSecond: rate,
      positionPackets: c.positionPackets, gnssFixes: c.gnssFixes,
      gnssFixesValid: stream.fixes.filter(\.isValid).count,
      firstFix: stream.fixes.first.map(fixReport), lastFix: stream.fixes.last.map(fixReport),
      hourFrom: timeSource(stream.ingest),
      sweepsComplete: stream.sweepsComplete, sweepsPartial: stream.sweepsPartial,
      packetsLost: c.packetsMissing, packetsLate: c.latePackets, points: c.points,
      firstPacketTime: stream.firstPacketTime.map(Report.utc),
      lastPacketTime: stream.lastPacketTime.map(Report.utc), rejected: rejected, drops: drops,
      anomalies: anomalies)
  }

  /// Where the stream's absolute time comes from.
  static func timeSource(_ ingest: LidarIngest) -> String {
    if let velodyne = ingest.velodyne { return velodyne.hour.usesGNSS ? "GPRMC" : "capture time" }
    if ingest.sensorClockShift != nil { return "capture time (the sensor's clock runs free)" }
    return "the sensor's UTC"
  }

  static func fixReport(_ fix: GNSSFix) -> FixReport {
    FixReport(
      utc: Report.utc(fix.utcNanoseconds), valid: fix.isValid, latitude: fix.latitude,
      longitude: fix.longitude, speedMetersPerSecond: fix.speedMetersPerSecond,
      courseDegrees: fix.courseDegrees)
  }

  static func ipv4(_ address: UInt32) -> String {
    "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
  }

  public static func text(_ report: CaptureReport) -> [String] {
    var lines = [
      "\(report.capture): \(report.records) records, link type \(report.linkType)"
        + (report.truncatedRecords > 0 ? ", \(report.truncatedRecords) truncated" : "")
    ]
    for (reason, count) in report.skipped.sorted(by: { $0.key < $1.key }) {
      lines.append("  skipped \(count): \(reason)")
    }
    if report.otherUDPDatagrams > 0 { lines.append("  other UDP: \(report.otherUDPDatagrams)") }
    if let hint = report.hint { lines.append("  hint: \(hint)") }
    for s in report.streams {
      lines.append(
        "sensor \(s.source): \(s.vendor.map { $0 + " " } ?? "")\(s.model ?? "unknown model"),"
          + " \(s.returnMode ?? "?") return"
          + (s.profile.map { ", \($0)" } ?? "") + (s.beams.map { ", \($0) beams" } ?? "")
          + (s.timeBase == "sensorLocal" ? ", free-running clock" : ""))
      if let rpm = s.rpm { lines.append("  rpm \(Report.fixed(rpm, 1))") }
      lines.append(
        "  packets \(s.decodedPackets) decoded of \(s.dataPackets)"
          + (s.packetsPerSecond.map { " (\(Report.fixed($0, 1))/s)" } ?? "")
          + ", lost \(s.packetsLost), late \(s.packetsLate)")
      lines.append(
        "  sweeps \(s.sweepsComplete) complete, \(s.sweepsPartial) partial; \(s.points) points")
      if let first = s.firstPacketTime, let last = s.lastPacketTime {
        lines.append("  time \(first) … \(last) (from \(s.hourFrom))")
      }
      if s.vendor == "Velodyne" || s.positionPackets > 0 {
        lines.append(
          "  position packets \(s.positionPackets), GNSS fixes \(s.gnssFixes)"
            + " (\(s.gnssFixesValid) valid)")
      }
      if let fix = s.firstFix {
        lines.append(
          "  first fix \(fix.utc) lat \(Report.fixed(fix.latitude, 6)) lon \(Report.fixed(fix.longitude, 6))"
            + (fix.speedMetersPerSecond.map { " speed \(Report.fixed($0, 2)) m/s" } ?? "")
            + (fix.courseDegrees.map { " course \(Report.fixed($0, 1))°" } ?? ""))
      }
      for (reason, count) in s.drops.sorted(by: { $0.key < $1.key }) {
        lines.append("  not decoded \(count): \(reason)")
      }
      for anomaly in s.anomalies { lines.append("  anomaly: \(anomaly)") }
    }
    for sensor in report.sensors ?? [] { lines.append("rig " + sensor.line) }
    if let error = report.error { lines.append("error: \(error)") }
    return lines
  }
}
