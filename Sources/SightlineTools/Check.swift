import Foundation
import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlinePipeline
import SightlinePublish
import SightlineReplay
import SightlineRigCheck
import SightlineTimeline
import SightlineV2X
import SightlineVelodyne

/// `sightline check DRIVE`: a synchronisation QA report for a drive — each stream's clock
/// against the host clock, gaps, jumps, rollovers, out-of-order data, V2X latency and
/// duplicates, GNSS validity, the ego source and the truth's time span — and a flag on any
/// LiDAR↔V2X misalignment above 1 ms. A drive is read through its drive.toml (`Drive`); a
/// capture and a V2X log may also be checked alone.
public enum Check {
  public struct ClockReport: Codable, Sendable {
    public var samples: Int
    public var offsetMilliseconds: Double?
    public var driftPartsPerMillion: Double?
    public var quality: String
    public var jumps: Int
  }

  public struct CheckReport: Codable, Sendable {
    /// The drive's name and manifest, when a drive was checked.
    public var drive: String?
    public var manifest: String?
    /// Where the ego pose comes from (drive.toml `ego.source`).
    public var ego: String?
    public var lidar: String?
    /// The sensor files the decoders used (drive.toml `lidar.*` or the options).
    public var calibration: String?
    public var metadata: String?
    public var v2x: String?
    /// First to last capture time of the capture's records, seconds.
    public var lidarSpanSeconds: Double?
    public var truth: String?
    public var truthSamples = 0
    public var truthAgents = 0
    /// Whether the truth's samples span every capture record (eval scores only frames inside).
    public var truthCoversCapture: Bool?
    public var lidarClock: ClockReport?
    public var lidarPackets = 0
    public var lidarPacketsLost = 0
    public var lidarPacketsLate = 0
    public var lidarHourRollovers = 0
    public var gnssFixes = 0
    public var gnssValid = 0
    /// Sensor (GPRMC) time of each fix minus its capture time, median, ms.
    public var gnssMinusCaptureMilliseconds: Double?
    public var v2xMessages = 0
    public var v2xDuplicates = 0
    public var v2xStale = 0
    public var v2xOutOfOrder = 0
    public var v2xLatencyP50Milliseconds: Double?
    public var v2xLatencyP90Milliseconds: Double?
    public var v2xLatencyP99Milliseconds: Double?
    public var v2xNegativeLatencies = 0
    public var v2xClock: ClockReport?
    /// V2X latency after moving receive times onto the LiDAR's GNSS timeline (host offset
    /// removed): what the runtime uses.
    public var v2xAlignedLatencyP50Milliseconds: Double?
    public var v2xAlignedLatencyMinimumMilliseconds: Double?
    /// How far V2X and LiDAR disagree once aligned: a message that seems to arrive before it
    /// was sent shows the two timelines are off by at least that much.
    public var lidarV2XMisalignmentMilliseconds: Double?
    public var flags: [String] = []
    /// With several sensors: each one's counts and clock, and the mount check of each pair of
    /// enabled sensors over the first second of sweeps.
    public var sensors: [RigSensorReport]?
    public var mounts: [MountReport]?
    /// UTC ns of the capture's first and last records.
    public var lidarFirstNanoseconds: Int64?
    public var lidarLastNanoseconds: Int64?

    var captureSpan: (first: Int64, last: Int64)? {
      guard let first = lidarFirstNanoseconds, let last = lidarLastNanoseconds else { return nil }
      return (first, last)
    }
  }

  /// The folder of a drive given as its folder or its drive.toml; nil for anything else (a
  /// capture or a V2X log).
  public static func driveFolder(_ path: String) -> String? {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue
    {
      return path
    }
    guard (path as NSString).lastPathComponent == Drive.manifestName else { return nil }
    let folder = (path as NSString).deletingLastPathComponent
    return folder.isEmpty ? "." : folder
  }

  /// A drive as its manifest names it: the capture, the V2X log, the ego source and the truth,
  /// decoded with `config` (the drive's config, its `[config.*]` and sensor files applied).
  public static func run(drive: Drive, config: SightlineConfig) throws -> CheckReport {
    var report = try run(lidar: drive.lidarPath, v2x: drive.v2xPath, config: config)
    report.drive = drive.name
    report.manifest = (drive.folder as NSString).appendingPathComponent(Drive.manifestName)
    report.ego = drive.ego.rawValue
    if let truthPath = drive.truthPath { try checkTruth(truthPath, into: &report) }
    switch drive.ego {
    case .gprmc where report.gnssValid == 0:
      report.flags.append(
        "ego.source is gprmc but the capture has no valid GPRMC fix: the grid stays in the"
          + " sensor frame")
    case .truth where report.truthCoversCapture == false:
      report.flags.append("ego.source is truth but the truth does not span the capture")
    default: break
    }
    return report
  }

  /// The truth file: its samples and agents, and whether it spans the capture.
  static func checkTruth(_ path: String, into report: inout CheckReport) throws {
    let truth = try TruthFile.read(path: path)
    report.truth = path
    report.truthSamples = truth.samples.count
    report.truthAgents = truth.header.agents.count
    if let span = report.captureSpan, let first = truth.samples.first?.t_ns,
      let last = truth.samples.last?.t_ns
    {
      report.truthCoversCapture = first <= span.first && last >= span.last
      if report.truthCoversCapture == false {
        report.flags.append(
          "the truth (\(Drive.utc(first)) – \(Drive.utc(last))) does not span the capture"
            + " (\(Drive.utc(span.first)) – \(Drive.utc(span.last))): eval scores only the"
            + " frames inside it")
      }
    }
  }

  static func clockReport(_ alignment: ClockAlignment, jumps: Int, samples: Int) -> ClockReport {
    let estimate = alignment.estimate
    return ClockReport(
      samples: samples, offsetMilliseconds: estimate.map { Double($0.offsetNanoseconds) / 1e6 },
      driftPartsPerMillion: estimate?.driftPartsPerMillion,
      quality: estimate.map { "\($0.quality)" } ?? "unknown", jumps: jumps)
  }

  public static func run(lidar: String?, v2x: String?, config: SightlineConfig) throws
    -> CheckReport
  {
    var report = CheckReport(lidar: lidar, v2x: v2x)
    report.calibration = config.lidar.calibrationPath
    report.metadata = config.lidar.metadataPath
    if let lidar { try checkLidar(lidar, config: config, into: &report) }
    let latencies = try v2x.map { try checkV2X($0, config: config, into: &report) } ?? []
    checkAlignment(latencies: latencies, into: &report)
    return report
  }

  /// The capture: packets, losses, hour rollovers, GNSS fixes, and the sensor clock against
  /// the capture clock.
  static func checkLidar(_ lidar: String, config: SightlineConfig, into report: inout CheckReport)
    throws
  {
    let capture = try LinkLayerCapture(path: lidar, filter: config.lidar.captureFilter)
    let linkType = capture.linkType
    var lidarAlignment = ClockAlignment()
    var lidarJumps = 0
    var lidarSamples = 0
    let pass = try RigPass(config: config)
    var fixOffsets = [Double]()
    var captureTime: Int64 = 0
    var fixes = [GNSSFix]()
    pass.rig.onFix = { fixes.append($0) }
    var previousMicros: UInt32?
    var firstCapture: Int64?
    if let damage = try capture.read({ record in
      captureTime = record.timestampNanoseconds
      if firstCapture == nil { firstCapture = captureTime }
      let fixesBefore = fixes.count
      try pass.rig.ingest(
        frame: record.bytes, linkType: linkType, captureTime: captureTime, onFrame: pass.frame)
      if fixes.count > fixesBefore, let fix = fixes.last {
        fixOffsets.append(Double(fix.utcNanoseconds - captureTime) / 1e6)
      }
      // Pair each LiDAR packet's sensor time with its capture time.
      guard case .datagram(let d) = UDPDatagramParser.parse(record.bytes, linkType: linkType),
        d.destinationPort == VelodynePacketLayout.dataPort,
        case .header(let header) = VelodynePacketHeader.parse(d.payload)
      else { return }
      if let previousMicros, header.microsecondsPastHour + 1_800_000_000 < previousMicros {
        report.lidarHourRollovers += 1
      }
      previousMicros = header.microsecondsPastHour
      let sensorTime = TopOfHour.resolve(
        microsecondsPastHour: header.microsecondsPastHour,
        referenceNanoseconds: pass.rig.frameIngest.velodyne?.hour.reference(
          captureTime: captureTime)
          ?? captureTime)
      lidarSamples += 1
      if case .jump = lidarAlignment.add(
        sensorTimeNanoseconds: sensorTime, receiveTimeNanoseconds: captureTime)
      {
        lidarJumps += 1
      }
    }) {
      throw damage
    }
    try pass.rig.flush(onFrame: pass.frame)
    if pass.isRig { (report.sensors, report.mounts) = (pass.sensors, pass.mounts) }
    if let firstCapture {
      report.lidarFirstNanoseconds = firstCapture
      report.lidarLastNanoseconds = captureTime
      report.lidarSpanSeconds = Double(captureTime - firstCapture) / 1e9
    }
    let counters = pass.rig.counters
    report.lidarPackets = counters.decodedPackets
    report.lidarPacketsLost = counters.packetsMissing
    report.lidarPacketsLate = counters.latePackets
    report.gnssFixes = fixes.count
    report.gnssValid = fixes.filter(\.isValid).count
    report.gnssMinusCaptureMilliseconds = median(fixOffsets)
    report.lidarClock = clockReport(lidarAlignment, jumps: lidarJumps, samples: lidarSamples)
    if report.gnssFixes > 0 && report.gnssValid < report.gnssFixes {
      report.flags.append("\(report.gnssFixes - report.gnssValid) GNSS fixes not valid")
    }
    if report.lidarPacketsLost > 0 {
      report.flags.append("\(report.lidarPacketsLost) LiDAR packets lost")
    }
    if report.lidarPacketsLate > 0 {
      report.flags.append("\(report.lidarPacketsLate) LiDAR packets late")
    }
    if lidarJumps > 0 { report.flags.append("\(lidarJumps) LiDAR clock jumps") }
  }

  /// The V2X log: duplicates, staleness, order, latency and the senders' clock. Returns the
  /// latencies (ms, receive − generation on the host clock).
  static func checkV2X(_ v2x: String, config: SightlineConfig, into report: inout CheckReport)
    throws -> [Double]
  {
    let log = try V2XLog.read(path: v2x)
    var ingest = V2XIngest(staleAfterMilliseconds: Int64(config.v2x.staleAfterMilliseconds))
    defer { ingest.release() }
    var v2xAlignment = ClockAlignment()
    var latencies = [Double]()
    var samples = 0
    var jumps = 0
    for entry in log {
      guard let payload = entry.payload,
        let observation = payload.withUnsafeBytes({
          ingest.ingest($0, format: entry.format, receiveTimeNanoseconds: entry.t_ns)
        })
      else { continue }
      let secMark: UInt16
      switch observation.message {
      case .bsm(let bsm): secMark = bsm.coreData.secMark
      case .psm(let psm): secMark = psm.secMark
      }
      guard let age = observation.ageMilliseconds,
        let generated = SecMark.generationTime(
          secMark: secMark, receiveTimeNanoseconds: entry.t_ns)
      else { continue }
      latencies.append(Double(age))
      samples += 1
      if case .jump = v2xAlignment.add(
        sensorTimeNanoseconds: generated, receiveTimeNanoseconds: entry.t_ns)
      {
        jumps += 1
      }
    }
    let c = ingest.counters
    report.v2xMessages = c.received
    report.v2xDuplicates = c.dropped[V2XDropReason.duplicate.rawValue]
    report.v2xStale = c.dropped[V2XDropReason.stale.rawValue]
    report.v2xOutOfOrder = c.outOfOrder
    report.v2xNegativeLatencies = latencies.filter { $0 < 0 }.count
    let sorted = latencies.sorted()
    func percentile(_ p: Double) -> Double? {
      sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
    report.v2xLatencyP50Milliseconds = percentile(0.5)
    report.v2xLatencyP90Milliseconds = percentile(0.9)
    report.v2xLatencyP99Milliseconds = percentile(0.99)
    report.v2xClock = clockReport(v2xAlignment, jumps: jumps, samples: samples)
    if report.v2xNegativeLatencies > 0 {
      report.flags.append("\(report.v2xNegativeLatencies) V2X messages dated in the future")
    }
    if report.v2xDuplicates > 0 { report.flags.append("\(report.v2xDuplicates) V2X duplicates") }
    return latencies
  }

  /// V2X latency moved onto the LiDAR's GNSS timeline, and the misalignment it shows.
  static func checkAlignment(latencies: [Double], into report: inout CheckReport) {
    if let lidarOffset = report.lidarClock?.offsetMilliseconds, !latencies.isEmpty {
      let aligned = latencies.map { $0 - lidarOffset }.sorted()
      report.v2xAlignedLatencyP50Milliseconds = aligned[aligned.count / 2]
      report.v2xAlignedLatencyMinimumMilliseconds = aligned.first
      let misalignment = max(0, -(aligned.first ?? 0))
      report.lidarV2XMisalignmentMilliseconds = misalignment
      if misalignment > 1 {
        report.flags.append(
          "V2X arrives up to \(Report.fixed(misalignment, 1)) ms before it was sent on the LiDAR's"
            + " timeline: the streams are misaligned (above 1 ms)")
      }
    }
  }

  static func median(_ values: [Double]) -> Double? {
    let sorted = values.sorted()
    return sorted.isEmpty ? nil : sorted[sorted.count / 2]
  }

  public static func text(_ r: CheckReport) -> [String] {
    func ms(_ value: Double?) -> String { value.map { Report.fixed($0, 3) + " ms" } ?? "n/a" }
    var lines = [String]()
    if let drive = r.drive {
      lines.append("drive \(drive) (\(r.manifest ?? "")): ego from \(r.ego ?? "gprmc")")
    }
    if let lidar = r.lidar, let clock = r.lidarClock {
      lines.append("LiDAR \(lidar)")
      if let span = r.lidarSpanSeconds { lines.append("  \(Report.fixed(span, 3)) s of capture") }
      for (name, path) in [("calibration", r.calibration), ("metadata", r.metadata)] {
        if let path { lines.append("  \(name) \(path)") }
      }
      lines.append(
        "  clock vs host: offset \(ms(clock.offsetMilliseconds)), drift"
          + " \(clock.driftPartsPerMillion.map { Report.fixed($0, 1) } ?? "n/a") ppm,"
          + " \(clock.quality), \(clock.samples) packets, \(clock.jumps) jumps")
      lines.append(
        "  packets \(r.lidarPackets), lost \(r.lidarPacketsLost), late \(r.lidarPacketsLate),"
          + " hour rollovers \(r.lidarHourRollovers)")
      lines.append(
        "  GNSS fixes \(r.gnssFixes) (\(r.gnssValid) valid), GPRMC − capture time"
          + " \(ms(r.gnssMinusCaptureMilliseconds))")
    }
    lines += (r.sensors ?? []).map { "  " + $0.line }
    lines += (r.mounts ?? []).map { "  " + $0.line }
    if let v2x = r.v2x, let clock = r.v2xClock {
      lines.append("V2X \(v2x)")
      lines.append(
        "  messages \(r.v2xMessages), duplicates \(r.v2xDuplicates), stale \(r.v2xStale),"
          + " out of order \(r.v2xOutOfOrder), future-dated \(r.v2xNegativeLatencies)")
      lines.append(
        "  latency p50 \(ms(r.v2xLatencyP50Milliseconds)), p90 \(ms(r.v2xLatencyP90Milliseconds)),"
          + " p99 \(ms(r.v2xLatencyP99Milliseconds))")
      lines.append(
        "  sender clocks vs host: offset \(ms(clock.offsetMilliseconds)) (the latency floor),"
          + " \(clock.quality)")
    }
    if let truth = r.truth {
      let covers =
        r.truthCoversCapture.map { $0 ? ", spans the capture" : ", does not span the capture" }
        ?? ""
      lines.append("truth \(truth): \(r.truthSamples) samples, \(r.truthAgents) agents\(covers)")
    }
    if let misalignment = r.lidarV2XMisalignmentMilliseconds {
      lines.append(
        "on the LiDAR's GNSS timeline (host offset removed): V2X latency p50"
          + " \(ms(r.v2xAlignedLatencyP50Milliseconds)), minimum"
          + " \(ms(r.v2xAlignedLatencyMinimumMilliseconds)); misalignment \(ms(misalignment))")
    }
    lines.append(r.flags.isEmpty ? "no problems found" : "flags:")
    lines += r.flags.map { "  ! \($0)" }
    return lines
  }
}
