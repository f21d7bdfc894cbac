import SightlineGrid
import SightlineLidar
import SightlinePipeline
import SightlineZMQ

/// `sightline bench units`: what each kind of grid work costs in wall time on this machine, the
/// figures `WorkCosts.reference` holds for the reference machine. Every sweep of each capture
/// goes through the frame loop under a wall budget that never binds, without and with `agents`
/// V2X cars (`BudgetAgents`, an ego fix each frame so that de-skew runs too); per frame, each
/// budgeted stage's time is fitted (least squares) to its counts:
///   decay + V2X stage − decay = fixed + deskew·points + agent·agent cells
///   LiDAR stage               = fixed + point·points + free·free-space units + hit·hits
/// Decay visits the same number of cells every frame (a quarter of the grid), so it cannot be
/// told from the fixed costs by a fit: it is timed alone, on a grid of the configured size. The
/// output stage is divided by the grid's cells.
public enum WorkUnitCalibration {
  /// One timed frame: its counts of each kind of work and its stage times.
  public struct Sample: Sendable {
    public var decayCells = 0
    public var agentCells = 0
    public var points = 0
    public var freeSpaceUnits = 0
    public var hits = 0
    public var v2xNanoseconds: Int64 = 0
    public var lidarNanoseconds: Int64 = 0
    public var outputNanoseconds: Int64 = 0
    public var cells = 0
  }

  public struct Result: Sendable {
    public var samples: [Sample] = []
    /// Picoseconds per unit, fitted; nil when the samples cannot separate the kinds.
    public var costs: WorkCosts?
    public var deskewPicosecondsPerPoint = 0
    public var outputPicosecondsPerCell = 0
    /// Per frame, |predicted − measured| / measured of the budgeted stages, with `costs`.
    public var relativeErrors: [Double] = []
  }

  public static func run(
    captures: [String], config: SightlineConfig, passes: Int, agents: Int,
    progress: ((Double) -> Void)? = nil
  ) throws -> Result {
    var result = Result()
    var throttle = ProgressThrottle(progress)
    let runs = captures.flatMap { capture in Set([0, agents]).sorted().map { (capture, $0) } }
    for (index, (capture, cars)) in runs.enumerated() {
      try measure(capture, config: config, passes: passes, agents: cars) {
        result.samples.append($0)
      }
      throttle.update(Double(index + 1) / Double(runs.count))
    }
    throttle.finish()
    fit(&result, decay: decayNanosecondsPerCell(config.grid))
    return result
  }

  static func measure(
    _ path: String, config: SightlineConfig, passes: Int, agents: Int, take: (Sample) -> Void
  ) throws {
    var config = FrameBenchmark.benchConfig(config)
    config.frame.budgetMode = .wall
    config.frame.budgetMilliseconds = 10_000
    let loaded = try DecodeBenchmark.load(path, filter: config.lidar.captureFilter)
    let sweeps = try FrameBenchmark.decodedSweeps(loaded: loaded, config: config)
    guard let first = sweeps.first else { return }
    let cars = BudgetAgents(count: agents)
    let loop = try FrameLoop(context: ZMQContext(), config: config, live: true)
    defer { loop.close() }
    loop.recordLimit = 1
    var scratch = first
    for index in 0..<(sweeps.count * (max(1, passes) + 1)) {
      let time = cars.prepareFrame(index, of: sweeps, into: &scratch, loop: loop)
      if agents == 0 { loop.observe(cars.egoFix(at: time)) }  // de-skew runs in every frame
      try loop.process(&scratch, decodeNanoseconds: 0, clock: time)
      if index >= sweeps.count { take(sample(loop)) }  // the first pass warms up
    }
  }

  private static func sample(_ loop: FrameLoop) -> Sample {
    let frame = loop.frame
    let report = loop.framer.lastReport
    return Sample(
      decayCells: loop.framer.lastDecayCells, agentCells: loop.framer.lastAgentCells,
      points: report.endpointUnits, freeSpaceUnits: report.freeSpaceUnits,
      hits: report.hitsApplied, v2xNanoseconds: Int64(frame.v2xAndDecayNanoseconds),
      lidarNanoseconds: Int64(frame.lidarNanoseconds),
      outputNanoseconds: Int64(frame.outputNanoseconds),
      cells: Int(frame.columns) * Int(frame.rows))
  }

  /// Nanoseconds a decay cell takes: the stripes of a grid of the configured size, decayed
  /// over and over (each call a quarter of the cells, as in a frame).
  static func decayNanosecondsPerCell(_ config: SightlineConfig.Grid) -> Double {
    var grid = OccupancyGrid(
      geometry: GridGeometry(
        columns: config.columns, rows: config.rows, resolution: Float(config.resolutionMeters)))
    var cells = 0
    var time: Int64 = 1_000_000_000
    let started = MonotonicClock.nanoseconds()
    for _ in 0..<200 {
      time += 100_000_000
      cells += grid.decay(now: time, unknownAfterSeconds: 2)
    }
    return Double(MonotonicClock.nanoseconds() - started) / Double(max(1, cells))
  }

  static func fit(_ result: inout Result, decay: Double) {
    let samples = result.samples
    guard !samples.isEmpty,
      let v2x = LeastSquares.solve(
        rows: samples.map { [1, Double($0.points), Double($0.agentCells)] },
        targets: samples.map { Double($0.v2xNanoseconds) - decay * Double($0.decayCells) }),
      let lidar = LeastSquares.solve(
        rows: samples.map { [1, Double($0.points), Double($0.freeSpaceUnits), Double($0.hits)] },
        targets: samples.map { Double($0.lidarNanoseconds) })
    else { return }
    // A cost the fit puts below zero (noise on a kind with little weight) counts as 0.
    func picoseconds(_ nanoseconds: Double) -> Int {
      nanoseconds.isFinite ? Int(min(1e9, max(0, nanoseconds * 1000)).rounded()) : 0
    }
    let costs = WorkCosts(
      decayCell: picoseconds(decay), agentCell: picoseconds(v2x[2]), point: picoseconds(lidar[1]),
      freeSpaceCell: picoseconds(lidar[2]), hit: picoseconds(lidar[3]))
    result.costs = costs
    result.deskewPicosecondsPerPoint = picoseconds(v2x[1])
    let output = samples.reduce(0.0) {
      $0 + Double($1.outputNanoseconds) / Double(max(1, $1.cells))
    }
    result.outputPicosecondsPerCell = picoseconds(output / Double(samples.count))
    result.relativeErrors = samples.map { sample in
      let measured = Double(sample.v2xNanoseconds + sample.lidarNanoseconds)
      let predicted =
        Double(
          costs.picoseconds(sample.decayCells, of: .decayCell)
            + costs.picoseconds(sample.agentCells, of: .agentCell)
            + costs.picoseconds(sample.points, of: .point)
            + costs.picoseconds(sample.freeSpaceUnits, of: .freeSpaceCell)
            + costs.picoseconds(sample.hits, of: .hit)) / 1000
      return measured > 0 ? abs(predicted - measured) / measured : 0
    }
  }
}
