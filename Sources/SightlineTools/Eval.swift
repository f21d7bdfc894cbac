import Foundation
import SightlinePNG
import SightlinePublish
import SightlineReplay
import SightlineScenario
import SightlineSchema
import SightlineTimeline
import SightlineZMQ

/// `sightline eval DRIVE`: scores a synthetic drive against its ground truth, for the fused
/// grid and for a LiDAR-only replay of the same drive (docs/DRIVES.md).
public enum Eval {
  public struct ErrorRow: Codable, Sendable, Equatable {
    public var agent: String
    public var latency_ms: Double
    /// Distance from the truth at the frame's time of the extrapolated position, and of the
    /// position the message reported (no extrapolation).
    public var extrapolated: Double
    public var raw: Double
  }

  public struct AgentTimes: Codable, Sendable, Equatable {
    /// Seconds from the drive's start to the first frame whose grid is occupied on the agent.
    public var fused_s: Double?
    public var lidar_only_s: Double?
  }

  public struct Scores: Codable, Sendable {
    public var drive: String
    public var frames: Int
    /// Per agent (hex id): how much earlier the fused grid has it than the LiDAR-only grid.
    /// When LiDAR never sees it, measured to the drive's end (a lower bound).
    public var time_advantage_s: [String: Double]
    public var first_occupied: [String: AgentTimes]
    public var position_error_m: [ErrorRow]
    /// Occupied cells against the truth (buildings and agents; an occupied cell within one cell
    /// of a box is right), over the cells the fused grid observed, summed over frames.
    public var grid_iou: Double
    /// Truly occupied observed cells the grid calls free, and occupied cells that are truly free.
    public var false_free_rate: Double
    public var false_occupied_rate: Double
    /// The oldest message any published agent came from (its latency), seconds.
    public var max_stale_agent_age_s: Double
    /// The position covariance trace grows with latency (the longest-latency agents carry the
    /// widest uncertainty).
    public var uncertainty_grows_with_age: Bool
    /// Median position error by latency band (ms → [extrapolated, raw] metres).
    public var error_by_latency: [String: [Double]]
  }

  public struct Failure: Error, CustomStringConvertible {
    public let description: String
  }

  public static func run(drive: Drive, outputFolder: String?) throws -> Scores {
    try run(drive: drive, outputFolder: outputFolder, snapshots: 0).scores
  }

  /// `run`, also keeping `snapshots` frames of the fused replay spread over the drive
  /// (EvalSnapshots), for the HTML report. `progress` hears the fraction of both replays done
  /// (each Replay's progress: about every 100 ms; 1 once both are done).
  public static func run(
    drive: Drive, outputFolder: String?, snapshots: Int, progress: ((Double) -> Void)? = nil
  ) throws -> (scores: Scores, snapshots: [EvalSnapshots.Snapshot]) {
    guard let truthPath = drive.truthPath else {
      throw Failure(description: "\(drive.name) has no ground truth ([truth] file in drive.toml)")
    }
    let truth = try TruthFile.read(path: truthPath)
    let context = try ZMQContext()
    var fused = Accumulator(truth: truth)
    var kept = EvalSnapshots(
      count: snapshots, startNanoseconds: truth.header.startNanoseconds,
      duration: truth.header.durationSeconds)
    var options = drive.replayOptions()
    options.config.publish.endpoint = "inproc://sightline-eval-fused"
    _ = try Replay(options: options, progress: half(0, of: progress)).run(context: context) { _ in
    } onFrameData: {
      fused.add($0, fused: true)
      kept.take($0)
    }
    var lidarOnly = Accumulator(truth: truth)
    options.v2xPath = nil
    options.config.publish.endpoint = "inproc://sightline-eval-lidar"
    _ = try Replay(options: options, progress: half(1, of: progress)).run(context: context) { _ in
    } onFrameData: {
      lidarOnly.add($0, fused: false)
    }

    let end = truth.header.durationSeconds
    var advantage: [String: Double] = [:]
    var first: [String: AgentTimes] = [:]
    for body in truth.header.agents {
      let id = hex(body.id)
      let times = AgentTimes(
        fused_s: fused.firstOccupied[body.id], lidar_only_s: lidarOnly.firstOccupied[body.id])
      first[id] = times
      if let f = times.fused_s { advantage[id] = (times.lidar_only_s ?? end) - f }
    }
    var bands: [String: [Double]] = [:]
    let grouped = Dictionary(grouping: fused.errors) { Int($0.latency_ms / 100) * 100 }
    for (band, rows) in grouped {
      bands["\(band)-\(band + 100)"] = [median(rows.map(\.extrapolated)), median(rows.map(\.raw))]
    }
    let cells = fused.truePositive + fused.falsePositive + fused.falseNegative
    let report = Scores(
      drive: drive.name, frames: fused.frames, time_advantage_s: advantage, first_occupied: first,
      position_error_m: fused.errors,
      grid_iou: cells == 0 ? 0 : Double(fused.truePositive) / Double(cells),
      false_free_rate: ratio(fused.falseNegative, fused.truePositive + fused.falseNegative),
      false_occupied_rate: ratio(fused.falsePositive, fused.truePositive + fused.falsePositive),
      max_stale_agent_age_s: fused.maxLatency, uncertainty_grows_with_age: fused.uncertaintyGrows,
      error_by_latency: bands)
    if let outputFolder {
      try FileManager.default.createDirectory(
        atPath: outputFolder, withIntermediateDirectories: true)
      try Plots.write(
        Plots.errorAgainstLatency(report.position_error_m, drive: drive.name),
        folder: outputFolder, name: "error-vs-latency")
      try Plots.write(
        Plots.timeAdvantage(first, end: end, drive: drive.name), folder: outputFolder,
        name: "time-advantage")
    }
    return (report, kept.taken)
  }

  /// The fused replay (`half` 0) fills the first half of eval's progress, the LiDAR-only one
  /// (1) the second.
  static func half(_ half: Int, of progress: ((Double) -> Void)?) -> ((Double) -> Void)? {
    guard let progress else { return nil }
    return { progress((Double(half) + $0) / 2) }
  }

  static func hex(_ id: UInt32) -> String {
    let text = String(id, radix: 16)
    return String(repeating: "0", count: max(0, 8 - text.count)) + text
  }

  static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

  static func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    return values.sorted()[values.count / 2]
  }

  /// Folds frames into the scores as they come, so no grid is kept.
  struct Accumulator {
    let truth: TruthFile
    var frames = 0
    var firstOccupied: [UInt32: Double] = [:]
    var errors: [ErrorRow] = []
    var truePositive = 0
    var falsePositive = 0
    var falseNegative = 0
    var maxLatency = 0.0
    /// (latency, covariance trace) of every published agent.
    var spread: [(Double, Double)] = []

    init(truth: TruthFile) { self.truth = truth }

    var uncertaintyGrows: Bool {
      guard spread.count >= 4 else { return false }
      let sorted = spread.sorted { $0.0 < $1.0 }
      let quarter = sorted.count / 4
      let young = sorted.prefix(quarter).map(\.1).reduce(0, +) / Double(quarter)
      let old = sorted.suffix(quarter).map(\.1).reduce(0, +) / Double(quarter)
      return old > young
    }

    mutating func add(_ frame: GridFrame, fused: Bool) {
      frames += 1
      guard let origin = frame.enuOrigin,
        let states = truth.states(at: frame.referenceTimeNanoseconds)
      else { return }
      let window = Window(truth: truth, frame: frame, origin: origin)
      let seconds = Double(frame.referenceTimeNanoseconds - truth.header.startNanoseconds) / 1e9
      var agentSolids: [(UInt32, TruthHeader.Solid)] = []
      for (state, body) in zip(states.agents, truth.header.agents) {
        let solid = TruthHeader.Solid(
          x: state.x, y: state.y, yaw: state.yaw, length: body.length, width: body.width,
          height: body.height)
        agentSolids.append((body.id, solid))
      }
      recordFirstOccupied(agentSolids, in: window, seconds: seconds)
      guard fused else { return }
      scoreOccupancy(in: window, solids: truth.header.buildings + agentSolids.map(\.1))
      scoreAgents(in: window, states: states.agents)
    }

    /// First occupied: any fused cell > 50 on the agent's footprint (grown by a cell).
    private mutating func recordFirstOccupied(
      _ agentSolids: [(UInt32, TruthHeader.Solid)], in window: Window, seconds: Double
    ) {
      for (id, solid) in agentSolids where firstOccupied[id] == nil {
        var occupied = false
        window.cells(of: solid, margin: window.resolution) {
          if window.frame.cells[$0] > 50 { occupied = true }
        }
        if occupied { firstOccupied[id] = seconds }
      }
    }

    /// Occupancy against the truth, over the observed cells. A cell is truly occupied when its
    /// centre is inside a box; an occupied cell within one cell of a box counts as right (the
    /// surface a return comes from lies on a cell border as often as not).
    private mutating func scoreOccupancy(in window: Window, solids: [TruthHeader.Solid]) {
      var inside = [Bool](repeating: false, count: window.columns * window.rows)
      var near = inside
      for solid in solids {
        window.cells(of: solid, margin: 0) { inside[$0] = true }
        window.cells(of: solid, margin: window.resolution) { near[$0] = true }
      }
      for (index, value) in window.frame.cells.enumerated() where value >= 0 {
        if value > 50 {
          if near[index] { truePositive += 1 } else { falsePositive += 1 }
        } else if inside[index] {
          falseNegative += 1
        }
      }
    }

    /// Agents against the truth at the frame's time.
    private mutating func scoreAgents(in window: Window, states: [TruthSample.State]) {
      for agent in window.frame.agents {
        guard let index = states.firstIndex(where: { $0.id == agent.id }) else { continue }
        let state = states[index]
        let where_ = truth.point(x: state.x, y: state.y, in: window.plane)
        let latency = Double(agent.latencyNanoseconds) / 1e9
        maxLatency = max(maxLatency, latency)
        spread.append((latency, Double(agent.covarianceEE + agent.covarianceNN)))
        let heading = Double(agent.heading ?? 0)
        let moved = Double(agent.distanceTravelled)
        let rawX = agent.east - moved * cos(heading)
        let rawY = agent.north - moved * sin(heading)
        errors.append(
          ErrorRow(
            agent: hex(agent.id), latency_ms: latency * 1000,
            extrapolated: hypot(agent.east - where_.x, agent.north - where_.y),
            raw: hypot(rawX - where_.x, rawY - where_.y)))
      }
    }
  }

  /// One frame's grid window, and the scenario plane mapped into it.
  private struct Window {
    let truth: TruthFile
    let frame: GridFrame
    let plane: LocalTangentPlane
    let resolution: Double
    let columns: Int
    let rows: Int

    init(truth: TruthFile, frame: GridFrame, origin: GeoPosition) {
      self.truth = truth
      self.frame = frame
      plane = LocalTangentPlane(
        origin: GeodeticPosition(
          latitudeDegrees: origin.latitudeDegrees, longitudeDegrees: origin.longitudeDegrees,
          heightMeters: origin.heightMeters))
      resolution = Double(frame.resolution)
      columns = Int(frame.columns)
      rows = Int(frame.rows)
    }

    /// The cells a footprint (in the scenario plane) covers in this frame's window.
    func cells(of solid: TruthHeader.Solid, margin: Double, _ body: (Int) -> Void) {
      let center = truth.point(x: solid.x, y: solid.y, in: plane)
      let reach =
        (solid.length * solid.length + solid.width * solid.width).squareRoot() / 2 + margin
      let c0 = max(0, Int(((center.x - reach - frame.cornerEast) / resolution).rounded(.down)))
      let c1 = min(
        columns - 1, Int(((center.x + reach - frame.cornerEast) / resolution).rounded(.down)))
      let r0 = max(0, Int(((center.y - reach - frame.cornerNorth) / resolution).rounded(.down)))
      let r1 = min(
        rows - 1, Int(((center.y + reach - frame.cornerNorth) / resolution).rounded(.down)))
      guard c0 <= c1, r0 <= r1 else { return }
      var local = solid
      local.x = center.x
      local.y = center.y
      for r in r0...r1 {
        for c in c0...c1 {
          let x = frame.cornerEast + (Double(c) + 0.5) * resolution
          let y = frame.cornerNorth + (Double(r) + 0.5) * resolution
          if local.contains(x: x, y: y, margin: margin) { body(r * columns + c) }
        }
      }
    }
  }

  /// The report as a table for people.
  public static func table(_ report: Scores) -> [String] {
    var lines = ["eval \(report.drive): \(report.frames) frames"]
    lines.append("agent     fused_s  lidar_only_s  time_advantage_s")
    for (id, times) in report.first_occupied.sorted(by: { $0.key < $1.key }) {
      func show(_ value: Double?) -> String { value.map { Report.fixed($0, 2) } ?? "never" }
      lines.append(
        "\(id)  \(show(times.fused_s).padding(7))  \(show(times.lidar_only_s).padding(12))  "
          + (report.time_advantage_s[id].map { Report.fixed($0, 2) } ?? "-"))
    }
    lines.append("position error by latency (median, m): band_ms extrapolated raw")
    for (band, values) in report.error_by_latency.sorted(by: {
      Int($0.key.split(separator: "-")[0])! < Int($1.key.split(separator: "-")[0])!
    }) {
      lines.append("  \(band)  \(Report.fixed(values[0], 3))  \(Report.fixed(values[1], 3))")
    }
    lines.append(
      "grid: IoU \(Report.fixed(report.grid_iou, 3)), false free \(Report.fixed(report.false_free_rate, 3)),"
        + " false occupied \(Report.fixed(report.false_occupied_rate, 3))")
    lines.append(
      "stale agents: oldest message \(Report.fixed(report.max_stale_agent_age_s, 3)) s;"
        + " uncertainty grows with age: \(report.uncertainty_grows_with_age)")
    return lines
  }
}

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
