import SightlineGrid
import SightlineLidar
import SightlinePipeline
import SightlineZMQ

/// `sightline bench units`: what a replay's work unit costs in wall time on this machine. Every
/// sweep of a capture goes through the frame loop under a wall budget that never binds, with
/// `agents` V2X cars (`BudgetAgents`); per frame, the budgeted stages' time (decay and V2X, then
/// LiDAR) is set against the units they spent. A work-unit budget of U then binds about where a
/// wall budget of U × ns-per-unit (plus the output stage) would.
public enum WorkUnitCalibration {
  public struct Result: Sendable {
    /// Per frame: units and nanoseconds of decay + V2X, and of LiDAR (endpoints + free space).
    public var v2xUnits: [Int] = []
    public var v2xNanoseconds: [Int64] = []
    public var lidarUnits: [Int] = []
    public var lidarNanoseconds: [Int64] = []
    /// Per frame: the output stage (layers, encoding, publishing), which a wall budget reserves.
    public var outputNanoseconds: [Int64] = []

    /// Σ ns / Σ units over every frame: the cost of the average unit of this workload.
    public var nanosecondsPerUnit: Double {
      let units = v2xUnits.reduce(0, +) + lidarUnits.reduce(0, +)
      let time = v2xNanoseconds.reduce(0, +) + lidarNanoseconds.reduce(0, +)
      return units > 0 ? Double(time) / Double(units) : 0
    }
  }

  public static func run(
    capture path: String, config: SightlineConfig, passes: Int, agents: Int,
    progress: ((Double) -> Void)? = nil
  ) throws -> Result {
    var config = FrameBenchmark.benchConfig(config)
    config.frame.budgetMode = .wall
    config.frame.budgetMilliseconds = 10_000
    let loaded = try DecodeBenchmark.load(path, filter: config.lidar.captureFilter)
    let sweeps = try FrameBenchmark.decodedSweeps(loaded: loaded, config: config)
    var result = Result()
    guard let first = sweeps.first else { return result }
    let cars = BudgetAgents(count: agents)
    let loop = try FrameLoop(context: ZMQContext(), config: config, live: true)
    defer { loop.close() }
    loop.recordLimit = 1
    var scratch = first
    var throttle = ProgressThrottle(progress)
    let frames = sweeps.count * (max(1, passes) + 1)
    for index in 0..<frames {
      let source = sweeps[index % sweeps.count]
      let time = first.endNanoseconds + Int64(index) * 100_000_000
      scratch.points.removeAll(keepingCapacity: true)
      scratch.points.append(contentsOf: source.points)
      scratch.startNanoseconds = time - (source.endNanoseconds - source.startNanoseconds)
      scratch.endNanoseconds = time
      if agents > 0 {
        loop.observe(cars.egoFix(at: time))
        for observation in cars.observations(forFrameAt: time) { loop.observe(observation) }
      }
      try loop.process(&scratch, decodeNanoseconds: 0, clock: time)
      if index >= sweeps.count { record(loop, into: &result) }  // the first pass warms up
      throttle.update(Double(index + 1) / Double(frames))
    }
    throttle.finish()
    return result
  }

  private static func record(_ loop: FrameLoop, into result: inout Result) {
    let frame = loop.frame
    let report = loop.framer.lastReport
    let lidarUnits = report.endpointUnits + report.freeSpaceUnits
    result.lidarUnits.append(lidarUnits)
    result.v2xUnits.append(Int(frame.workUnits) - lidarUnits)
    result.lidarNanoseconds.append(Int64(frame.lidarNanoseconds))
    result.v2xNanoseconds.append(Int64(frame.v2xAndDecayNanoseconds))
    result.outputNanoseconds.append(Int64(frame.outputNanoseconds))
  }
}
