// The V2X layer: extrapolated agents painted as footprint probabilities, kept apart from the
// LiDAR layer and fused with it only for output. It also judges each agent against the LiDAR
// layer: confirmed (LiDAR sees occupied there), occluded (LiDAR cannot see there) or
// contradicted (LiDAR sees free where V2X says occupied: stale or spoofed).
// Indexes here are window cells in output order (row-major from window cell (0, 0)).

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

public enum AgentConsistency: UInt8, Sendable, Equatable {
  /// Outside the window, or nothing painted.
  case notPainted = 0
  case confirmed = 1
  case occluded = 2
  case contradicted = 3
}

public struct ConsistencyCounts: Sendable, Equatable {
  public var confirmed = 0
  public var occluded = 0
  public var contradicted = 0
  public var notPainted = 0
  public init() {}
}

public struct V2XLayer: Sendable {
  public let geometry: GridGeometry
  /// Per window cell, the probability (percent) that some agent occupies it; −1 where no agent
  /// reaches. Output order; always current, so output is a copy.
  public private(set) var cells: [Int8]
  /// Cells painted or floored this frame, each once (the ones to clear next frame).
  var paintedCells: [Int32] = []
  /// Per painted agent, its cells and its own probability there, in `agentCells[range]`.
  var agentCells: [AgentCell] = []
  var agentRanges: [PaintedAgent] = []
  /// Per painted agent, its presence region as runs of cells along rows, in
  /// `presenceRuns[range]`: a region is convex, so a few hundred runs hold tens of thousands of
  /// cells.
  var presenceRuns: [CellRun] = []
  /// Cells `first..<end` (window indexes) of one row.
  struct CellRun {
    var first: Int32
    var end: Int32
  }
  /// Per agent index of the frame, its entry in `agentRanges` (−1: not painted).
  var rangeOfAgent: [Int32] = []
  struct AgentCell {
    var index: Int32
    var probability: Float
  }
  struct PaintedAgent {
    /// The agent's index in the frame's list.
    var agent: Int
    var cells: Range<Int>
    var presence: Range<Int>
  }

  /// Per window cell, the least occupancy (percent) fusion gives it because it lies in an
  /// agent's presence region; 0 elsewhere.
  var coreFloor: [Int8]
  /// What fusion gives an agent's presence region at least: the cells its footprint covers
  /// with its centre anywhere in its 75% ellipse (`FootprintPainter.presence`), so the agent is
  /// wholly inside with probability 0.75 or more. A small agent with a wide uncertainty (a
  /// pedestrian with a phone's GNSS) has no single cell above 50%, or none painted at all, yet
  /// it is in that region three times in four: the planner must see that area occupied, not
  /// nothing. `sightline eval` checks the claim (its `presence` key; docs/EVAL.md).
  public var corePercent = Int8(FootprintPainter.presenceConfidence * 100)

  public init(geometry: GridGeometry) {
    self.geometry = geometry
    cells = Array(repeating: -1, count: geometry.cellCount)
    coreFloor = Array(repeating: 0, count: geometry.cellCount)
  }

  public var paintedCellCount: Int { paintedCells.count }

  /// Forgets last frame's agents (only the cells they painted are touched).
  public mutating func clear() {
    for index in paintedCells {
      cells[Int(index)] = -1
      coreFloor[Int(index)] = 0
    }
    paintedCells.removeAll(keepingCapacity: true)
    agentCells.removeAll(keepingCapacity: true)
    presenceRuns.removeAll(keepingCapacity: true)
    agentRanges.removeAll(keepingCapacity: true)
    rangeOfAgent.removeAll(keepingCapacity: true)
  }

  /// Computes one agent's cells (the frame's `agent`-th), in any order of agents; `composite`
  /// then writes them into the layer. Returns the cells visited (work units).
  @discardableResult
  public mutating func paint(_ footprint: AgentFootprint, agent: Int) -> Int {
    let start = agentCells.count
    let columns = geometry.columns
    var mine = agentCells
    agentCells = []  // moved out for exclusive access inside the closure
    let visited = FootprintPainter.paint(footprint, on: geometry) { column, row, probability in
      mine.append(
        AgentCell(index: Int32(row * columns + column), probability: probability))
    }
    agentCells = mine
    let presenceStart = presenceRuns.count
    var runs = presenceRuns
    presenceRuns = []
    let inRegion = FootprintPainter.presence(footprint, on: geometry) { column, row in
      let index = Int32(row * columns + column)
      // Cells come row by row, left to right: extend the row's run or start one.
      if runs.count > presenceStart, runs[runs.count - 1].end == index, column > 0 {
        runs[runs.count - 1].end += 1
      } else {
        runs.append(CellRun(first: index, end: index + 1))
      }
    }
    presenceRuns = runs
    while rangeOfAgent.count <= agent { rangeOfAgent.append(-1) }
    rangeOfAgent[agent] = Int32(agentRanges.count)
    agentRanges.append(
      PaintedAgent(
        agent: agent, cells: start..<agentCells.count,
        presence: presenceStart..<presenceRuns.count))
    return visited + inRegion
  }

  /// Writes the painted agents into the layer in the agents' own order, whatever order they
  /// were painted in, so the layer does not depend on it: agents overlapping in a cell combine
  /// as independent, 1 − Π(1 − p), rounded to percent after each. Each agent's presence region
  /// gets `corePercent` at least.
  public mutating func composite() {
    for slot in rangeOfAgent where slot >= 0 {
      let painted = agentRanges[Int(slot)]
      for cell in agentCells[painted.cells] {
        let index = Int(cell.index)
        let before = cells[index]
        if before < 0 {
          if coreFloor[index] == 0 { paintedCells.append(cell.index) }
          cells[index] = Int8(min(100, max(1, Self.percent(cell.probability))))
        } else {
          let combined = 1 - (1 - Float(before) / 100) * (1 - cell.probability)
          cells[index] = Int8(min(100, Self.percent(combined)))
        }
      }
      for run in presenceRuns[painted.presence] {
        for cell in run.first..<run.end {
          let index = Int(cell)
          if cells[index] < 0, coreFloor[index] == 0 { paintedCells.append(cell) }
          coreFloor[index] = corePercent
        }
      }
    }
  }

  /// `probability` × 100 rounded half away from zero, as `rounded()` would (exactly: the
  /// fraction of a float below 2²³ is exact), without its libm call: once per painted cell.
  @inline(__always)
  static func percent(_ probability: Float) -> Float {
    let scaled = probability * 100
    // NaN, negatives and the absurd: never painted, but never a trap either.
    guard scaled >= 0, scaled < 1e6 else { return scaled.rounded() }
    let whole = Float(Int32(scaled))  // truncation, one instruction
    return scaled - whole >= 0.5 ? whole + 1 : whole
  }

  /// Each of `agentCount` agents against the LiDAR layer, over its presence region (where it is
  /// with probability 0.75). Call after the frame's LiDAR update.
  /// - confirmed: LiDAR has an occupied cell in the region;
  /// - contradicted: none occupied, and LiDAR sees at least half the region free;
  /// - occluded: otherwise (LiDAR mostly cannot see there);
  /// - not painted: the agent was not painted (beyond the limit or the budget, or nothing of
  ///   it in the window).
  /// `statuses[i]` is agent i's.
  public func consistency(
    with lidar: OccupancyGrid, agentCount: Int, into statuses: inout [AgentConsistency]
  ) -> ConsistencyCounts {
    statuses.removeAll(keepingCapacity: true)
    var counts = ConsistencyCounts()
    for agent in 0..<agentCount {
      let slot = agent < rangeOfAgent.count ? Int(rangeOfAgent[agent]) : -1
      let status =
        slot < 0 ? .notPainted : judge(presenceRuns[agentRanges[slot].presence], against: lidar)
      statuses.append(status)
      switch status {
      case .confirmed: counts.confirmed += 1
      case .occluded: counts.occluded += 1
      case .contradicted: counts.contradicted += 1
      case .notPainted: counts.notPainted += 1
      }
    }
    return counts
  }

  /// One painted agent's presence region against the LiDAR layer (see `consistency`).
  private func judge(_ region: ArraySlice<CellRun>, against lidar: OccupancyGrid)
    -> AgentConsistency
  {
    let columns = geometry.columns
    var count = 0
    var occupied = 0
    var free = 0
    for run in region {
      count += Int(run.end - run.first)
      for cell in run.first..<run.end {
        let index = Int(cell)
        switch lidar.state(column: index % columns, row: index / columns) {
        case .occupied: occupied += 1
        case .free: free += 1
        case .unknown: break
        }
      }
    }
    guard count > 0 else { return .notPainted }
    return occupied > 0 ? .confirmed : (free * 2 >= count ? .contradicted : .occluded)
  }

  /// Fuses V2X evidence into output cells that hold the LiDAR layer (nav_msgs values): where
  /// an agent is more likely there than not, or in an agent's presence region (at least
  /// `corePercent`),
  /// its log-odds add to LiDAR's (independent evidence; unknown LiDAR counts as none). V2X never
  /// adds free space: an empty cell in the V2X layer says nothing. Returns the fused counts,
  /// from the LiDAR counts given.
  public func fuse(
    into output: UnsafeMutableBufferPointer<Int8>, lidar: OccupancyGrid, counts: CellCounts
  ) -> CellCounts {
    var fused = counts
    let model = lidar.model
    for painted in paintedCells {
      let index = Int(painted)
      let percent = max(cells[index], coreFloor[index])
      guard percent > 50 else { continue }
      let p = min(Float(percent) / 100, 0.99)
      let before = output[index]
      let lidarLogOdds: Float =
        before < 0
        ? 0
        : lidar.logOdds(column: index % geometry.columns, row: index / geometry.columns)
          ?? 0
      let combined = min(max(lidarLogOdds + logf(p / (1 - p)), model.minimum), model.maximum)
      let after = OccupancyGrid.publishedPercent(logOdds: combined)
      output[index] = after
      Self.recount(&fused, from: before, to: after)
    }
    return fused
  }

  static func recount(_ counts: inout CellCounts, from before: Int8, to after: Int8) {
    func bucket(_ value: Int8) -> Int { value < 0 ? 0 : (value > 50 ? 2 : 1) }
    let old = bucket(before)
    let new = bucket(after)
    guard old != new else { return }
    switch old {
    case 0: counts.unknown -= 1
    case 1: counts.free -= 1
    default: counts.occupied -= 1
    }
    switch new {
    case 0: counts.unknown += 1
    case 1: counts.free += 1
    default: counts.occupied += 1
    }
  }

  /// Writes the layer (percent, −1 where no agent) in output order.
  public func write(into output: UnsafeMutableBufferPointer<Int8>) {
    precondition(output.count >= geometry.cellCount)
    cells.withUnsafeBufferPointer { _ = output.initialize(from: $0) }
  }

  /// Sets `bit` in `source` where fusion makes an agent count (p > 0.5, or its presence region).
  public func markSource(_ source: UnsafeMutableBufferPointer<UInt8>, bit: UInt8) {
    for painted in paintedCells where max(cells[Int(painted)], coreFloor[Int(painted)]) > 50 {
      source[Int(painted)] |= bit
    }
  }
}

extension OccupancyGrid {
  /// The nav_msgs value published for log-odds: the probability in percent, except that
  /// occupied (log-odds > 0) is always above 50 and free never is, so that subscribers can
  /// classify by value alone: −1 unknown, 0...50 free, 51...100 occupied.
  public static func publishedPercent(logOdds: Float) -> Int8 {
    let percent = Int8((100 / (1 + expf(-logOdds))).rounded())
    return logOdds > 0 ? max(51, percent) : min(50, percent)
  }
}
