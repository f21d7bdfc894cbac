import Foundation
import SightlinePublish

extension Eval {
  /// The report as a table for people (the same figures as `--json`; docs/EVAL.md).
  public static func table(_ report: Scores) -> [String] {
    func show(_ value: Double?, _ decimals: Int = 2) -> String {
      value.map { Report.fixed($0, decimals) } ?? "never"
    }
    func share(_ value: Double?) -> String { value.map { Report.fixed($0, 3) } ?? "n/a" }
    var lines = ["eval \(report.drive): \(report.frames) frames, \(report.frames_scored) scored"]
    lines.append(
      "detection (s from the drive's start; first occupied cell on the true footprint):")
    lines.append(
      "agent     kind        in_window  fused  lidar_only  advantage")
    for (id, d) in report.detection.sorted(by: { $0.key < $1.key }) {
      let advantage =
        d.advantage_s.map { Report.fixed($0, 2) }
        ?? "n/a (\(d.never.joined(separator: ", ")) never)"
      lines.append(
        "\(id)  \(d.kind.padding(10))  \(show(d.window_entry_s).padding(9))  "
          + "\(show(d.fused_s).padding(5))  \(show(d.lidar_only_s).padding(10))  \(advantage)")
    }
    lines.append(
      "position error by latency (m): kind band_ms n, extrapolated median p95, raw median p95")
    for kind in kindsInOrder(report.position_error.keys) {
      for band in report.position_error[kind] ?? [] {
        lines.append(
          "  \(kind.padding(10)) \("\(band.from_ms)-\(band.to_ms)".padding(8)) "
            + "\(String(band.n).padding(4)) \(Report.fixed(band.extrapolated_m.median, 3)) "
            + "\(Report.fixed(band.extrapolated_m.p95, 3)), \(Report.fixed(band.raw_m.median, 3)) "
            + "\(Report.fixed(band.raw_m.p95, 3))")
      }
    }
    var coverage: [String] = []
    var presence: [String] = []
    var nees: [String] = []
    for kind in kindsInOrder(report.coverage_95.keys) {
      if let c = report.coverage_95[kind] {
        coverage.append("\(kind) \(share(c.fraction)) (\(c.inside)/\(c.n))")
      }
      if let c = report.coverage_75[kind] {
        presence.append("\(kind) \(share(c.fraction))")
      }
      if let e = report.nees[kind] {
        nees.append("\(kind) \(e.mean.map(figure) ?? "n/a") (n \(e.n))")
      }
    }
    lines.append("coverage of the published 95% ellipse: " + coverage.joined(separator: ", "))
    lines.append(
      "coverage of the 75% ellipse (presence regions): " + presence.joined(separator: ", "))
    lines.append("NEES (ideal 2): " + nees.joined(separator: ", "))
    if let ego = report.ego {
      lines.append(
        "ego (its own GNSS against the truth): position median \(Report.fixed(ego.position_m.median, 2)) m,"
          + " p95 \(Report.fixed(ego.position_m.p95, 2)) m; yaw median"
          + " \(Report.fixed(ego.yaw_deg.median, 2))°; grid and detection scored in the vehicle's frame"
      )
    }
    let g = report.grid
    lines.append(
      "grid: IoU \(share(g.iou)) (observed cells only \(share(g.iou_observed))),"
        + " false free \(share(g.false_free)) of free cells,"
        + " false occupied \(share(g.false_occupied)) of occupied cells")
    return lines
  }

  /// Three decimals, or three significant digits below 0.01 (NEES may be far below 1).
  static func figure(_ value: Double) -> String {
    value != 0 && abs(value) < 0.01 ? String(format: "%.2e", value) : Report.fixed(value, 3)
  }

  /// "all", then vehicle, pedestrian, then any other kind.
  static func kindsInOrder(_ keys: some Sequence<String>) -> [String] {
    let first = ["all", "vehicle", "pedestrian"]
    let keys = Set(keys)
    return first.filter(keys.contains) + keys.subtracting(first).sorted()
  }
}

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
