import Foundation
import SightlineGrid
import SightlineLidar
import SightlineLive
import SightlineNet
import SightlinePipeline
import SightlinePublish
import SightlineTimeline
import SightlineZMQ

/// `sightline bench frame` and `sightline bench budget`: the whole per-frame path on every sweep
/// of a capture (decode, de-skew, grid, encode, publish), and the budget's adherence over many
/// frames. Measurements anyone can repeat; Tools/bench/run.sh runs them.
public enum FrameBenchmark {
  public struct Result: Sendable {
    /// Per timed frame: the decode time of its packets plus the frame loop's, nanoseconds.
    public var frameNanoseconds: [Int64] = []
    public var pointsPerFrame = 0
    public var degradedFrames = 0
    /// Heap allocations in steady state (after a warm-up pass), when Tools/bench/malloc_count.c
    /// is preloaded: in the grid stage (`SweepToFrame`) alone, and on the whole path (decode and
    /// ZeroMQ included).
    public var gridStageAllocations: UInt?
    public var wholePathAllocations: UInt?
    /// Per timed frame, the stages: decode, scroll + decay + V2X, LiDAR, output (ns).
    public var stageNanoseconds: [[Int64]] = [[], [], [], []]
    /// Frames published, warm-up included.
    public var framesPublished: UInt64 = 0
    /// Bytes of each timed frame's `grid` message.
    public var messageBytes: [Int] = []
    public var timedFrames: Int { frameNanoseconds.count }
  }

  public static func percentile(_ values: [Int64], _ fraction: Double) -> Int64 {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
  }

  /// Publishes to an in-process endpoint nobody reads: the send is measured, not a peer.
  static func benchConfig(_ config: SightlineConfig) -> SightlineConfig {
    var config = config
    config.publish.endpoint = "inproc://sightline-bench"
    return config
  }

  /// `progress` hears the fraction of passes done (the warm-up one too), between passes
  /// (ProgressThrottle). `sinks` go after the publisher (`bench foxglove`'s server); they are
  /// finished at the end. `afterPass` is called after each pass with its number (0: the
  /// warm-up; the last: `passes`).
  public static func run(
    capture path: String, config: SightlineConfig, passes: Int, budget: FrameBudget?,
    egoSpeed: Double = 0, context: ZMQContext? = nil, endpoint: String? = nil,
    sinks: [any FrameSink] = [],
    afterPass: (Int) -> Void = { _ in }, progress: ((Double) -> Void)? = nil
  ) throws -> Result {
    var config = benchConfig(config)
    if let endpoint { config.publish.endpoint = endpoint }
    if budget == nil {
      // Measure the whole work, never cut it; a wall budget so that stages are timed.
      config.frame.budgetMode = .wall
      config.frame.budgetMilliseconds = 10_000
    }
    let loaded = try DecodeBenchmark.load(path, filter: config.lidar.captureFilter)
    let context = try context ?? ZMQContext()
    let publisher = try FramePublisher(context: context, config: config)
    let loop = FrameLoop(config: config, live: true, sinks: [publisher] + sinks)
    defer { loop.close() }
    loop.recordLimit = 1
    if egoSpeed > 0 {
      for fix in BudgetAgents.drivingEgo(over: loaded.times, speed: egoSpeed) { loop.observe(fix) }
    }
    var result = Result()
    var times = [Int64]()
    var framesPerPass = 0
    var throttle = ProgressThrottle(progress)
    for pass in 0..<(max(1, passes) + 1) {
      let ingest = try LidarRig(config: config)
      ingest.onFix = { loop.observe($0) }
      let warmUp = pass == 0
      if pass == 1 {
        times.reserveCapacity(framesPerPass * max(1, passes) + 8)
        for stage in 0..<4 {
          result.stageNanoseconds[stage].reserveCapacity(framesPerPass * max(1, passes) + 8)
        }
        result.messageBytes.reserveCapacity(framesPerPass * max(1, passes) + 8)
      }
      let before = AllocationCounter.count()
      func frame(_ sweep: inout Sweep, _ decodeNanoseconds: Int64) throws {
        let started = MonotonicClock.nanoseconds()
        let record = try loop.process(&sweep, decodeNanoseconds: 0, clock: sweep.endNanoseconds)
        let elapsed = MonotonicClock.nanoseconds() - started + decodeNanoseconds
        if warmUp { framesPerPass += 1 }
        if !warmUp && times.count < times.capacity {
          times.append(elapsed)
          if record.degradation != 0 { result.degradedFrames += 1 }
          let frame = loop.frame
          result.stageNanoseconds[0].append(decodeNanoseconds)
          result.stageNanoseconds[1].append(Int64(frame.v2xAndDecayNanoseconds))
          result.stageNanoseconds[2].append(Int64(frame.lidarNanoseconds))
          result.stageNanoseconds[3].append(Int64(frame.outputNanoseconds))
          if result.messageBytes.count < result.messageBytes.capacity {
            result.messageBytes.append(loop.framer.message.count)
          }
        }
        result.pointsPerFrame = max(result.pointsPerFrame, sweep.points.count)
      }
      try loaded.bytes.withUnsafeBytes { all in
        for (index, range) in loaded.records.enumerated() {
          try ingest.ingest(
            frame: UnsafeRawBufferPointer(rebasing: all[range]), linkType: loaded.linkType,
            captureTime: loaded.times[index], onFrame: frame)
        }
        try ingest.flush(onFrame: frame)
      }
      if !warmUp, let before, let after = AllocationCounter.count() {
        result.wholePathAllocations = (result.wholePathAllocations ?? 0) + (after - before)
      }
      afterPass(pass)
      throttle.update(Double(pass + 1) / Double(max(1, passes) + 1))
    }
    result.frameNanoseconds = times
    result.framesPublished = loop.framesPublished
    try loop.publishEndOfStream(inputError: false, clock: 0)
    result.gridStageAllocations = try gridStageAllocations(loaded: loaded, config: config)
    throttle.finish()
    return result
  }

  /// Allocations of the grid stage alone, on the capture's sweeps, after a warm-up frame.
  static func gridStageAllocations(
    loaded: (bytes: [UInt8], records: [Range<Int>], times: [Int64], linkType: LinkType),
    config: SightlineConfig
  ) throws -> UInt? {
    let sweeps = try decodedSweeps(loaded: loaded, config: config)
    guard AllocationCounter.count() != nil else { return nil }
    var grid = config.grid
    grid.maxAgents = 24
    var framer = SweepToFrame(config: grid, budget: FrameBudget(config: config.frame, live: false))
    let agents = gridStageAgents(count: grid.maxAgents + 8)
    // Warm up on every sweep once: buffers grow to the largest sweep, then stay.
    for sweep in sweeps {
      _ = framer.process(sweep, decodeNanoseconds: 0, ego: nil, agents: agents, clock: 0)
    }
    let before = AllocationCounter.count()!
    for sweep in sweeps {
      _ = framer.process(sweep, decodeNanoseconds: 0, ego: nil, agents: agents, clock: 0)
    }
    return AllocationCounter.count()! - before
  }

  /// `BudgetAgents`' cars as the frame sees them (beyond `max_agents`, so the nearest-first
  /// choice has work to do).
  static func gridStageAgents(count: Int) -> [ExtrapolatedAgent] {
    let cars = BudgetAgents(count: count)
    var timeline = TimelineStage()
    let time: Int64 = 1_700_000_000_000_000_000
    timeline.observe(cars.egoFix(at: time))
    for observation in cars.observations(forFrameAt: time) { timeline.observe(observation) }
    return timeline.extrapolateAgents(to: time)
  }

  static func decodedSweeps(
    loaded: (bytes: [UInt8], records: [Range<Int>], times: [Int64], linkType: LinkType),
    config: SightlineConfig
  ) throws -> [Sweep] {
    var ingest = try LidarIngest(config: config)
    var sweeps: [Sweep] = []
    loaded.bytes.withUnsafeBytes { all in
      for (index, range) in loaded.records.enumerated() {
        ingest.ingest(
          frame: UnsafeRawBufferPointer(rebasing: all[range]), linkType: loaded.linkType,
          captureTime: loaded.times[index]
        ) { sweep, _ in sweeps.append(sweep) }
      }
      ingest.flush { sweep, _ in sweeps.append(sweep) }
    }
    return sweeps
  }

  public struct BudgetResult: Sendable {
    public var budgetNanoseconds: Int64
    /// Per frame: wall time of the frame loop (grid, encode, publish) minus the budget.
    public var overrunNanoseconds: [Int64]
    public var degradedFrames: Int
    public var pointsSkipped: Int
    /// V2X agents sent each frame.
    public var agents = 0
    /// Frames where some agent was neither in the agents message and painted, nor counted as
    /// beyond `max_agents`.
    public var framesMissingAgents = 0
    /// Agents left unpainted because the budget ran out, over all frames (counted, not lost).
    public var agentsSkippedForBudget = 0
  }

  /// Sleeps until `deadline` on the monotonic clock (at once when it has passed).
  static func sleep(until deadline: Int64) {
    let wait = deadline - MonotonicClock.nanoseconds()
    guard wait > 0 else { return }
    var request = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
    _ = nanosleep(&request, nil)
  }

  /// Runs `frames` frames of the capture's sweeps (decoded once, cycled, 10 Hz on one
  /// timeline) through the frame loop under a wall-clock budget, with `agents` V2X cars
  /// (`BudgetAgents`) observed before each frame, and records how far each frame ends from its
  /// deadline and whether it carried every agent. With `periodMilliseconds`, frames start on
  /// that period, as a sensor's would, rather than back to back (a SCHED_FIFO thread that never
  /// sleeps is throttled by the kernel for 50 ms a second). `progress` hears the fraction of
  /// frames done, between frames (ProgressThrottle).
  public static func budget(
    capture path: String, config: SightlineConfig, frames: Int, budgetMilliseconds: Double,
    agents: Int = 0, agentAccuracyMeters: Double = 5, periodMilliseconds: Double = 0,
    progress: ((Double) -> Void)? = nil
  ) throws -> BudgetResult {
    var config = benchConfig(config)
    config.frame.budgetMode = .wall
    config.frame.budgetMilliseconds = budgetMilliseconds
    let loaded = try DecodeBenchmark.load(path, filter: config.lidar.captureFilter)
    let sweeps = try decodedSweeps(loaded: loaded, config: config)
      .filter { $0.points.count > 1000 }
    let budget = Int64(budgetMilliseconds * 1e6)
    var result = BudgetResult(
      budgetNanoseconds: budget, overrunNanoseconds: [], degradedFrames: 0, pointsSkipped: 0)
    guard let first = sweeps.first else { return result }
    try RealtimePriority.apply(config.frame.realtimePriority)  // this thread runs the frames
    result.agents = agents
    let cars = BudgetAgents(count: agents, accuracyMeters: agentAccuracyMeters)
    let context = try ZMQContext()
    let loop = try FrameLoop(context: context, config: config, live: true)
    defer { loop.close() }
    loop.recordLimit = 1
    result.overrunNanoseconds.reserveCapacity(frames)
    var scratch = first
    var throttle = ProgressThrottle(progress)
    let period = Int64(periodMilliseconds * 1e6)
    let beginning = MonotonicClock.nanoseconds()
    for index in 0..<frames {
      if period > 0 { sleep(until: beginning + Int64(index) * period) }
      let time = cars.prepareFrame(index, of: sweeps, into: &scratch, loop: loop)
      let started = MonotonicClock.nanoseconds()
      let record = try loop.process(&scratch, decodeNanoseconds: 0, clock: time)
      let elapsed = MonotonicClock.nanoseconds() - started
      result.overrunNanoseconds.append(elapsed - budget)
      if record.degradation != 0 { result.degradedFrames += 1 }
      result.pointsSkipped += record.pointsSkipped
      let frame = loop.frame
      let present = min(
        frame.agents.count, Int(frame.agentsPainted) + Int(frame.agentsNotPainted))
      if present < agents { result.framesMissingAgents += 1 }
      result.agentsSkippedForBudget += Int(frame.agentsSkippedForBudget)
      throttle.update(Double(index + 1) / Double(frames))
    }
    throttle.finish()
    return result
  }
}
