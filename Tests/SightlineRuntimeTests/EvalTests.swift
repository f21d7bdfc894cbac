import Foundation
import SightlineReplay
import SightlineScenario
import SightlineSchema
import Testing

@testable import SightlineTools

/// `sightline eval`'s scores on hand-made truths and frames, where every count is known
/// (docs/EVAL.md).
@Suite struct EvalTests {
  static let start: Int64 = 1_772_446_500_000_000_000
  static let pedestrian: UInt32 = 0x5045_4431

  /// A truth: one 2 m × 2 m building whose footprint is [-0.5, 1.5]², and a pedestrian of
  /// 0.5 m × 0.5 m standing at (3.5, 3.5), sampled at 0 and 1 s.
  func truth() throws -> TruthFile {
    let header = """
      {"agents":[{"equipped":true,"height":1.8,"id":\(Self.pedestrian),"kind":"pedestrian",\
      "length":0.5,"width":0.5}],"buildings":[{"height":5,"length":2,"width":2,"x":0.5,\
      "y":0.5,"yaw":0}],"durationSeconds":1,"origin":{"height":650,"latitude":40.4168,\
      "longitude":-3.7038},"scenario":"test","sensor":"VLP-16","sensorHeight":1.9,\
      "startNanoseconds":\(Self.start)}
      """
    let samples = [0, 1_000_000_000].map { offset in
      """
      {"agents":[{"id":\(Self.pedestrian),"speed":0,"x":3.5,"y":3.5,"yaw":0}],\
      "ego":{"id":0,"speed":0,"x":0,"y":0,"yaw":0},"t_ns":\(Self.start + Int64(offset))}
      """
    }
    let path = temporaryPath("truth.jsonl")
    try ([header] + samples).joined(separator: "\n")
      .write(toFile: path, atomically: true, encoding: .utf8)
    return try TruthFile.read(path: path)
  }

  /// A 10 × 10 window of 1 m cells from (-5, -5), in the truth's own plane, all free.
  func frame(at seconds: Double = 0.5) -> GridFrame {
    var frame = GridFrame()
    frame.referenceTimeNanoseconds = Self.start + Int64((seconds * 1e9).rounded())
    frame.columns = 10
    frame.rows = 10
    frame.resolution = 1
    frame.cornerEast = -5
    frame.cornerNorth = -5
    frame.enuOrigin = GeoPosition(
      latitudeDegrees: 40.4168, longitudeDegrees: -3.7038, heightMeters: 650)
    frame.cells = [Int8](repeating: 0, count: 100)
    return frame
  }

  /// The cell at column, row (east, north) of the 10 × 10 window.
  func cell(_ column: Int, _ row: Int) -> Int { row * 10 + column }

  @Test func theBuildingIsItsCellsWithoutGrowthAndEdgeCellsAreCountedApart() throws {
    let truth = try truth()
    var frame = frame()
    frame.cells[cell(5, 5)] = 100  // inside the building: right
    frame.cells[cell(4, 4)] = 0  // on its edge, free: a false free edge cell
    frame.cells[cell(6, 6)] = -1  // on its edge, unknown: a miss
    frame.cells[cell(0, 0)] = 100  // far from anything: false occupied
    frame.cells[cell(7, 5)] = 90  // one cell beyond the building: false occupied (no growth)
    frame.cells[cell(9, 9)] = -1  // free and unknown: no score
    var tally = Eval.Accumulator(truth: truth, fused: true)
    tally.add(frame)
    let c = tally.cells
    // The building covers columns and rows 4...6 (9 cells, only (5, 5) wholly); the
    // pedestrian lies in cell (8, 8), partly.
    #expect(c.occupied_occupied == 1)
    #expect(c.occupied_unknown == 1)
    #expect(c.occupied_free == 8)  // 7 building edge cells and the pedestrian's
    #expect(c.edge_free == 8)
    #expect(c.edge_unknown == 1)
    #expect(c.edge_occupied == 0)
    #expect(c.free_occupied == 2)
    #expect(c.free_unknown == 1)
    #expect(c.free_free == 100 - 10 - 3)
    let scores = Eval.gridScores(c, skipped: 0)
    #expect(scores.iou == 1.0 / 12)
    #expect(scores.iou_observed == 1.0 / 11)
    #expect(scores.false_free == 8.0 / (8 + 87))
    #expect(scores.false_occupied == 2.0 / 3)
  }

  @Test func detectionIsTheFirstOccupiedCellOnTheTrueFootprint() throws {
    let truth = try truth()
    var tally = Eval.Accumulator(truth: truth, fused: false)
    var early = frame(at: 0.2)
    early.cells[cell(7, 8)] = 100  // beside the pedestrian's cell: not on it
    tally.add(early)
    var later = frame(at: 0.7)
    later.cells[cell(8, 8)] = 51
    tally.add(later)
    #expect(tally.windowEntry[Self.pedestrian] == 0.2)
    #expect(tally.firstOccupied[Self.pedestrian] == 0.7)
    #expect(tally.framesScored == 2)
    var outside = frame(at: 2)  // after the truth's last sample: not scored
    outside.cells[cell(8, 8)] = 100
    tally.add(outside)
    #expect(tally.frames == 3 && tally.framesScored == 2)
  }

  @Test func aPublishedAgentIsScoredAgainstItsCovariance() throws {
    let truth = try truth()
    var frame = frame()
    var agent = AgentsFrame.Agent()
    agent.id = Self.pedestrian
    agent.east = 3.5 + 0.6
    agent.north = 3.5
    agent.heading = 0
    agent.distanceTravelled = 0.2
    agent.covarianceEE = 0.25
    agent.covarianceNN = 4
    agent.latencyNanoseconds = 150_000_000
    frame.agents = [agent]
    var tally = Eval.Accumulator(truth: truth, fused: true)
    tally.add(frame)
    let row = try #require(tally.errors.first)
    #expect(row.kind == "pedestrian" && row.latency_ms == 150)
    #expect(abs(row.extrapolated_m - 0.6) < 1e-6)
    #expect(abs(row.raw_m - 0.4) < 1e-6)
    // 0.6 m east against a 0.5 m east σ: 1.44.
    #expect(abs(try #require(row.nees) - 1.44) < 1e-5)
    let scores = Eval.scores(drive: "test", truth: truth, fused: tally, lidarOnly: tally)
    #expect(
      scores.coverage_95["pedestrian"] == Eval.Coverage(inside: 1, n: 1, invalid: 0, fraction: 1))
    #expect(scores.coverage_95["vehicle"]?.n == 0 && scores.coverage_95["vehicle"]?.fraction == nil)
    #expect(scores.position_error["all"]?.first?.from_ms == 100)
    #expect(scores.position_error["all"]?.first?.n == 1)
  }

  @Test func normalisedErrorUsesTheFullCovariance() throws {
    // Σ = [[2, 1], [1, 2]]: Σ⁻¹ = [[2, −1], [−1, 2]] / 3.
    let along = try #require(
      Eval.normalisedErrorSquared(east: 1, north: 1, ee: 2, en: 1, nn: 2))
    #expect(abs(along - 2.0 / 3) < 1e-12)
    let across = try #require(
      Eval.normalisedErrorSquared(east: 1, north: -1, ee: 2, en: 1, nn: 2))
    #expect(abs(across - 2) < 1e-12)
    #expect(Eval.normalisedErrorSquared(east: 1, north: 0, ee: 1, en: 1, nn: 1) == nil)
    #expect(Eval.normalisedErrorSquared(east: 1, north: 0, ee: 0, en: 0, nn: 1) == nil)
  }

  @Test func medianAndNearestRankP95() {
    let twenty = Eval.spread((1...20).map(Double.init).shuffled())
    #expect(twenty.median == 10.5 && twenty.p95 == 19)
    let hundredOne = Eval.spread((1...101).map(Double.init))
    #expect(hundredOne.median == 51 && hundredOne.p95 == 96)
    #expect(Eval.spread([3]).p95 == 3)
  }

  @Test func detectionSaysNeverAndWritesNull() throws {
    let seen = Eval.Detection(
      kind: "vehicle", equipped: true, window_entry_s: 1, fused_s: 1.5, lidar_only_s: 4)
    #expect(seen.advantage_s == 2.5 && seen.never.isEmpty)
    let hidden = Eval.Detection(
      kind: "pedestrian", equipped: true, window_entry_s: 1, fused_s: 1.5, lidar_only_s: nil)
    #expect(hidden.advantage_s == nil && hidden.never == ["lidar_only"])
    let json = String(decoding: try JSONEncoder().encode(hidden), as: UTF8.self)
    #expect(json.contains("\"advantage_s\":null") && json.contains("\"lidar_only_s\":null"))
  }

  /// A footprint turned 30°: the cells it marks are exactly those whose squares it overlaps
  /// (separating axes, computed here on its own), and inside ones have all four corners in it.
  @Test func aTurnedFootprintMarksTheCellsItOverlaps() throws {
    let truth = try truth()
    let frame = frame()
    let window = Eval.Window(truth: truth, frame: frame, origin: frame.enuOrigin!)
    let solid = TruthHeader.Solid(x: 0.3, y: -0.4, yaw: 0.52, length: 5.1, width: 2.3, height: 1)
    var marks: [UInt8] = []
    window.rasterize([solid], into: &marks)
    let (c, s) = (cos(solid.yaw), sin(solid.yaw))
    func local(_ x: Double, _ y: Double) -> (Double, Double) {
      let dx = x - solid.x
      let dy = y - solid.y
      return (c * dx + s * dy, -s * dx + c * dy)
    }
    for row in 0..<10 {
      for column in 0..<10 {
        let x0 = -5 + Double(column)
        let y0 = -5 + Double(row)
        let corners = [(x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)].map(local)
        let along = corners.map(\.0)
        let across = corners.map(\.1)
        let boxX = abs(c) * solid.length / 2 + abs(s) * solid.width / 2
        let boxY = abs(s) * solid.length / 2 + abs(c) * solid.width / 2
        let overlaps =
          x0 < solid.x + boxX && x0 + 1 > solid.x - boxX && y0 < solid.y + boxY
          && y0 + 1 > solid.y - boxY && along.min()! < solid.length / 2
          && along.max()! > -solid.length / 2 && across.min()! < solid.width / 2
          && across.max()! > -solid.width / 2
        let inside =
          along.allSatisfy { abs($0) <= solid.length / 2 }
          && across.allSatisfy { abs($0) <= solid.width / 2 }
        let expected: UInt8 = inside ? 2 : (overlaps ? 1 : 0)
        #expect(marks[row * 10 + column] == expected, "cell \(column), \(row)")
      }
    }
  }
}
