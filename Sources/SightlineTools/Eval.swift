import Foundation
import SightlinePNG
import SightlinePublish
import SightlineReplay
import SightlineScenario
import SightlineSchema
import SightlineTimeline
import SightlineZMQ

/// `sightline eval DRIVE`: scores a synthetic drive against its ground truth, for the fused
/// grid and for a LiDAR-only replay of the same drive. Every score is defined in docs/EVAL.md.
public enum Eval {
  public struct Failure: Error, CustomStringConvertible {
    public let description: String
  }

  /// The 95% point of the chi-square distribution with 2 degrees of freedom: a 2-D Gaussian
  /// error lies inside dᵀ Σ⁻¹ d ≤ 5.991 with probability 0.95.
  public static let chiSquare95TwoDimensions = 5.991
  /// −2 ln 0.25: the 75% ellipse of a 2-D Gaussian.
  public static let chiSquare75TwoDimensions = 2.773
  /// Latency bands of `position_error`, milliseconds wide.
  public static let bandMilliseconds = 100

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
    var fused = Accumulator(truth: truth, fused: true)
    var kept = EvalSnapshots(
      count: snapshots, startNanoseconds: truth.header.startNanoseconds,
      duration: truth.header.durationSeconds)
    var options = drive.replayOptions()
    options.config.publish.endpoint = "inproc://sightline-eval-fused"
    _ = try Replay(options: options, progress: half(0, of: progress)).run(context: context) { _ in
    } onFrameData: {
      fused.add($0)
      kept.take($0)
    }
    var lidarOnly = Accumulator(truth: truth, fused: false)
    options.v2xPath = nil
    options.config.publish.endpoint = "inproc://sightline-eval-lidar"
    _ = try Replay(options: options, progress: half(1, of: progress)).run(context: context) { _ in
    } onFrameData: {
      lidarOnly.add($0)
    }
    let report = scores(drive: drive.name, truth: truth, fused: fused, lidarOnly: lidarOnly)
    if let outputFolder {
      try FileManager.default.createDirectory(
        atPath: outputFolder, withIntermediateDirectories: true)
      try Plots.write(
        Plots.errorAgainstLatency(report.position_error_samples, drive: drive.name),
        folder: outputFolder, name: "error-vs-latency")
      try Plots.write(
        Plots.timeAdvantage(report.detection, end: truth.header.durationSeconds, drive: drive.name),
        folder: outputFolder, name: "time-advantage")
    }
    return (report, kept.taken)
  }

  /// The two replays' tallies as scores.
  static func scores(drive: String, truth: TruthFile, fused: Accumulator, lidarOnly: Accumulator)
    -> Scores
  {
    var detection: [String: Detection] = [:]
    for body in truth.header.agents {
      detection[hex(body.id)] = Detection(
        kind: body.kind.rawValue, equipped: body.equipped,
        window_entry_s: fused.windowEntry[body.id], fused_s: fused.firstOccupied[body.id],
        lidar_only_s: lidarOnly.firstOccupied[body.id])
    }
    let kinds = ["all", "vehicle", "pedestrian"] + Set(fused.errors.map(\.kind)).sorted()
    var bands: [String: [ErrorBand]] = [:]
    var coverage: [String: Coverage] = [:]
    var presence: [String: Coverage] = [:]
    var nees: [String: NEES] = [:]
    for kind in kinds where bands[kind] == nil {
      let rows = fused.errors.filter { kind == "all" || $0.kind == kind }
      bands[kind] = errorBands(rows)
      let values = rows.compactMap(\.nees)
      func covered(below threshold: Double) -> Coverage {
        let inside = values.filter { $0 <= threshold }.count
        return Coverage(
          inside: inside, n: rows.count, invalid: rows.count - values.count,
          fraction: rows.isEmpty ? nil : Double(inside) / Double(rows.count))
      }
      coverage[kind] = covered(below: chiSquare95TwoDimensions)
      presence[kind] = covered(below: chiSquare75TwoDimensions)
      nees[kind] = NEES(
        mean: values.isEmpty ? nil : values.reduce(0, +) / Double(values.count), n: values.count)
    }
    return Scores(
      drive: drive, frames: fused.frames, frames_scored: fused.framesScored, detection: detection,
      position_error: bands, position_error_samples: fused.errors, coverage_95: coverage,
      coverage_75: presence, nees: nees,
      grid: gridScores(fused.cells, skipped: fused.frames - fused.framesScored),
      ego: fused.egoErrors.isEmpty
        ? nil
        : EgoError(
          position_m: spread(fused.egoErrors), yaw_deg: spread(fused.egoYawErrors),
          n: fused.egoErrors.count))
  }

  /// The rows grouped into latency bands of `bandMilliseconds`, in order.
  static func errorBands(_ rows: [ErrorRow]) -> [ErrorBand] {
    let grouped = Dictionary(grouping: rows) {
      Int(($0.latency_ms / Double(bandMilliseconds)).rounded(.down)) * bandMilliseconds
    }
    return grouped.keys.sorted().map { from in
      let members = grouped[from]!
      return ErrorBand(
        from_ms: from, to_ms: from + bandMilliseconds, n: members.count,
        extrapolated_m: spread(members.map(\.extrapolated_m)), raw_m: spread(members.map(\.raw_m)))
    }
  }

  static func gridScores(_ cells: GridScores.Cells, skipped: Int) -> GridScores {
    let c = cells
    let union = c.occupied_occupied + c.free_occupied + c.occupied_free + c.occupied_unknown
    return GridScores(
      iou: fraction(c.occupied_occupied, union),
      iou_observed: fraction(c.occupied_occupied, union - c.occupied_unknown),
      false_free: fraction(c.occupied_free, c.occupied_free + c.free_free),
      false_occupied: fraction(c.free_occupied, c.occupied_occupied + c.free_occupied),
      denominators: [
        "iou":
          "cells truly occupied or occupied in the grid (unknown cells count as not occupied)",
        "iou_observed": "the same, leaving out cells the grid has as unknown",
        "false_free": "cells the grid calls free (0...50)",
        "false_occupied": "cells the grid calls occupied (> 50)",
      ],
      tolerance:
        "none: a cell is truly occupied when its square shares area with a box's footprint;"
        + " the same truth scores hits and misses (cells.edge_* counts those only partly on a box)",
      left_out: [
        "\(skipped) frames outside the truth's time span, without an ENU origin or without a"
          + " fused layer",
        "cells beyond each frame's window (every frame is scored on its own window)",
        "the LiDAR-only replay's grid (it scores only detection)",
        "heights: a box occupies its footprint from the ground up; the ground is free",
        "the ego: not in the truth, so the cells under it are truly free like any other",
      ],
      cells: c)
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

  static func fraction(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : Double(a) / Double(b) }

  /// The median (the mean of the middle two for an even count) and the 95th percentile (nearest
  /// rank: the ⌈0.95 n⌉-th smallest).
  static func spread(_ values: [Double]) -> Spread {
    guard !values.isEmpty else { return Spread(median: 0, p95: 0) }
    let sorted = values.sorted()
    let n = sorted.count
    let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    let rank = Int((0.95 * Double(n)).rounded(.up))
    return Spread(median: median, p95: sorted[max(0, min(n - 1, rank - 1))])
  }

  /// dᵀ Σ⁻¹ d for an east/north error and a published covariance; nil unless Σ is positive
  /// definite.
  static func normalisedErrorSquared(
    east: Double, north: Double, ee: Double, en: Double, nn: Double
  ) -> Double? {
    let determinant = ee * nn - en * en
    guard ee.isFinite, en.isFinite, nn.isFinite, ee > 0, determinant > 0 else { return nil }
    return (nn * east * east - 2 * en * east * north + ee * north * north) / determinant
  }

  /// Folds frames into the scores as they come, so no grid is kept.
  struct Accumulator {
    let truth: TruthFile
    /// The fused replay scores everything; the LiDAR-only one only when it first has each agent.
    let fused: Bool
    var frames = 0
    var framesScored = 0
    var windowEntry: [UInt32: Double] = [:]
    var firstOccupied: [UInt32: Double] = [:]
    var errors: [ErrorRow] = []
    var cells = GridScores.Cells()
    /// The runtime's ego against the truth's, per scored frame: metres and degrees.
    var egoErrors: [Double] = []
    var egoYawErrors: [Double] = []
    /// The truth's footprints in the current window (Window.rasterize), reused frame to frame.
    private var truthCells: [UInt8] = []

    init(truth: TruthFile, fused: Bool) {
      self.truth = truth
      self.fused = fused
    }

    mutating func add(_ frame: GridFrame) {
      frames += 1
      guard let origin = frame.enuOrigin,
        let states = truth.states(at: frame.referenceTimeNanoseconds)
      else { return }
      var window = Window(truth: truth, frame: frame, origin: origin)
      guard window.hasCells else { return }
      if frame.egoWGS84 != nil {
        let trueEgo = truth.point(x: states.ego.x, y: states.ego.y, in: window.plane)
        let yawError = remainder(Double(frame.egoYaw) - states.ego.yaw, 2 * .pi)
        window.vehicleFrame = .init(
          trueEgo: trueEgo, believedEgo: (frame.egoEast, frame.egoNorth), yawError: yawError)
        if fused {
          egoErrors.append(hypot(frame.egoEast - trueEgo.x, frame.egoNorth - trueEgo.y))
          egoYawErrors.append(abs(yawError) * 180 / .pi)
        }
      }
      framesScored += 1
      let seconds = Double(frame.referenceTimeNanoseconds - truth.header.startNanoseconds) / 1e9
      var agents: [TruthHeader.Solid] = []
      for (state, body) in zip(states.agents, truth.header.agents) {
        let solid = TruthHeader.Solid(
          x: state.x, y: state.y, yaw: state.yaw, length: body.length, width: body.width,
          height: body.height)
        agents.append(solid)
        if windowEntry[body.id] == nil, window.reaches(solid) { windowEntry[body.id] = seconds }
        if firstOccupied[body.id] == nil, window.occupied(on: solid) {
          firstOccupied[body.id] = seconds
        }
      }
      guard fused else { return }
      scoreOccupancy(in: window, solids: truth.header.buildings + agents)
      scoreAgents(in: window, states: states.agents)
    }

    /// Every cell of the window: truly occupied (wholly or partly) or free, against occupied,
    /// free or unknown in the grid.
    private mutating func scoreOccupancy(in window: Window, solids: [TruthHeader.Solid]) {
      window.rasterize(solids, into: &truthCells)
      // Rows: truth free, partly occupied (edge), wholly occupied; columns: grid occupied,
      // free, unknown.
      var counts = [Int](repeating: 0, count: 9)
      truthCells.withUnsafeBufferPointer { truth in
        window.frame.cells.withUnsafeBufferPointer { grid in
          counts.withUnsafeMutableBufferPointer { counts in
            for index in 0..<grid.count {
              let value = grid[index]
              let column = value < 0 ? 2 : (value > 50 ? 0 : 1)
              counts[Int(truth[index]) * 3 + column] += 1
            }
          }
        }
      }
      cells.free_occupied += counts[0]
      cells.free_free += counts[1]
      cells.free_unknown += counts[2]
      cells.edge_occupied += counts[3]
      cells.edge_free += counts[4]
      cells.edge_unknown += counts[5]
      cells.occupied_occupied += counts[3] + counts[6]
      cells.occupied_free += counts[4] + counts[7]
      cells.occupied_unknown += counts[5] + counts[8]
    }

    /// Published agents against the truth at the frame's time.
    private mutating func scoreAgents(in window: Window, states: [TruthSample.State]) {
      for agent in window.frame.agents {
        guard let index = states.firstIndex(where: { $0.id == agent.id }) else { continue }
        let state = states[index]
        let body = truth.header.agents.first { $0.id == agent.id }
        let truePoint = truth.point(x: state.x, y: state.y, in: window.plane)
        let heading = Double(agent.heading ?? 0)
        let moved = Double(agent.distanceTravelled)
        let east = agent.east - truePoint.x
        let north = agent.north - truePoint.y
        let rawEast = east - moved * cos(heading)
        let rawNorth = north - moved * sin(heading)
        errors.append(
          ErrorRow(
            agent: hex(agent.id), kind: body?.kind.rawValue ?? "other",
            latency_ms: Double(agent.latencyNanoseconds) / 1e6,
            extrapolated_m: hypot(east, north), raw_m: hypot(rawEast, rawNorth),
            nees: normalisedErrorSquared(
              east: east, north: north, ee: Double(agent.covarianceEE),
              en: Double(agent.covarianceEN), nn: Double(agent.covarianceNN))))
      }
    }
  }
}
