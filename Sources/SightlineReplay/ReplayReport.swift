import Foundation
import SightlineLidar
import SightlineNet
import SightlinePipeline
import SightlinePublish
import SightlineSchema
import SightlineVelodyne

/// The end-of-replay summary, as text and as JSON.
public enum ReplayReport {
  public static func lines(_ summary: ReplaySummary, endpoint: String) -> [String] {
    let c = summary.counters
    let complete = summary.sweeps.filter(\.complete).count
    var lines = [
      "replay: \(summary.sweeps.count) frames published on \(endpoint)"
        + " (\(complete) complete sweeps, \(summary.sweeps.count - complete) partial)",
      "input: \(c.records) records, \(c.lidarPackets) LiDAR packets (\(c.decodedPackets) decoded),"
        + " \(c.positionPackets) position packets, \(c.otherUDPDatagrams) other UDP,"
        + " \(c.points) points, \(c.returnsOutOfRange) returns out of range",
    ]
    for sensor in summary.sensors where summary.sensors.count > 1 {
      lines.append(
        "sensor \(sensor.name): \(sensor.packets) packets, \(sensor.points) points,"
          + " \(sensor.sweeps) sweeps, \(sensor.status)"
          + (sensor.blockedSectors.isEmpty
            ? ""
            : ", blocked sectors \(sensor.blockedSectors.map(String.init).joined(separator: " "))"))
    }
    lines.append(
      "ego: \(summary.ego.source), \(summary.ego.poses) poses, the newest "
        + (summary.ego.poseAgeNanoseconds.map { "\(Double($0) / 1e6) ms old at the last frame" }
          ?? "never came"))
    if let hint = summary.lidarHint { lines.append("hint: \(hint)") }
    for reason in FrameSkipReason.allCases where c.framesSkipped[reason.rawValue] > 0 {
      lines.append("skipped \(c.framesSkipped[reason.rawValue]) records: \(reason)")
    }
    for drop in summary.lidarDrops {
      lines.append("dropped \(drop.count) LiDAR payloads: \(drop.reason)")
    }
    let v = summary.v2x
    if v.received > 0 {
      lines.append(
        "v2x: \(v.received) messages: \(v.bsm) BSM, \(v.psm) PSM, \(v.knownNotDecoded) other J2735;"
          + " dropped "
          + V2XDropReason.allCases.map { "\(v.dropped[$0.rawValue]) \($0)" }
          .joined(separator: ", ") + "; \(v.outOfOrder) out of order")
      // Every frame's count on short drives; the range on long ones.
      let counts = summary.sweeps.map(\.v2xAgents)
      let agents =
        counts.count <= 20
        ? counts.map(String.init).joined(separator: " ")
        : "\(counts.min() ?? 0)–\(counts.max() ?? 0) over \(counts.count) frames"
      lines.append("v2x agents live per frame (tracks extrapolated to it): \(agents)")
    }
    if !summary.sweeps.isEmpty {
      let times = summary.sweeps.map(\.processingNanoseconds).sorted()
      let median = Double(times[times.count / 2]) / 1e6
      lines.append("processing: median \(Report.fixed(median, 2)) ms per frame")
      let degraded = summary.sweeps.filter { $0.degradation != 0 }
      let units = summary.sweeps.map(\.workUnits).max() ?? 0
      lines.append(
        "budget: \(degraded.count) of \(summary.sweeps.count) frames degraded"
          + " (\(degraded.map(\.pointsSkipped).reduce(0, +)) points skipped);"
          + " at most \(units) work units (the reference machine's ns) a frame")
      let painted = summary.sweeps.map {
        $0.agentsConfirmed + $0.agentsOccluded + $0.agentsContradicted
      }
      if painted.contains(where: { $0 > 0 }) {
        let sum = { (key: KeyPath<SweepRecord, Int>) in
          summary.sweeps.map { $0[keyPath: key] }.reduce(0, +)
        }
        lines.append(
          "v2x in the grid: \(painted.reduce(0, +)) agent-frames painted; confirmed \(sum(\.agentsConfirmed)),"
            + " occluded \(sum(\.agentsOccluded)), contradicted \(sum(\.agentsContradicted))")
      } else if summary.sweeps.contains(where: { $0.v2xAgents > 0 }) {
        lines.append(
          "v2x in the grid: no agent inside the window (they are extrapolated, not painted)")
      }
    }
    return lines
  }

  struct JSONReport: Codable {
    var sweeps: [SweepRecord]
    var records: Int
    var lidarPackets: Int
    var decodedPackets: Int
    var positionPackets: Int
    var otherUDPDatagrams: Int
    var framesSkipped: [String: Int]
    var packetsRejected: [String: Int]
    var inputError: String?
    var sensors: [SensorReport]
  }

  public static func writeJSON(_ summary: ReplaySummary, to path: String) throws {
    let c = summary.counters
    var skipped = [String: Int]()
    for reason in FrameSkipReason.allCases {
      skipped["\(reason)"] = c.framesSkipped[reason.rawValue]
    }
    var rejected = [String: Int]()
    for reason in PacketRejectReason.allCases {
      rejected["\(reason)"] = c.packetsRejected[reason.rawValue]
    }
    let report = JSONReport(
      sweeps: summary.sweeps, records: c.records, lidarPackets: c.lidarPackets,
      decodedPackets: c.decodedPackets, positionPackets: c.positionPackets,
      otherUDPDatagrams: c.otherUDPDatagrams, framesSkipped: skipped, packetsRejected: rejected,
      inputError: summary.inputError.map { "\($0)" }, sensors: summary.sensors)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(report).write(to: URL(fileURLWithPath: path))
  }
}
