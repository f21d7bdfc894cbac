// What each kind of grid work costs in a deterministic (work-unit) budget. A replay cannot use
// the clock and still give the same bytes on any machine, so it counts work instead; weighting
// each kind by what it costs on a reference machine makes a work budget of B picoseconds bind
// where a wall budget of B would on that machine, whatever the mix of points, cells and agents.

/// The kinds of work a frame's budget is spent on.
public enum WorkKind: Sendable {
  /// A grid cell visited by the decay stripe.
  case decayCell
  /// A grid cell visited while painting a V2X agent's footprint.
  case agentCell
  /// A LiDAR point taken through the endpoint stage (rotate, classify, bearing, claim).
  case point
  /// A unit of free-space casting (a polar run checked, or a cell it marks free).
  case freeSpaceCell
  /// A claimed endpoint applied to the grid (the work reserved after the last check).
  case hit
}

/// Picoseconds per unit of each kind of work.
public struct WorkCosts: Sendable, Equatable {
  public var decayCell: Int
  public var agentCell: Int
  public var point: Int
  public var freeSpaceCell: Int
  public var hit: Int

  public init(decayCell: Int, agentCell: Int, point: Int, freeSpaceCell: Int, hit: Int) {
    self.decayCell = decayCell
    self.agentCell = agentCell
    self.point = point
    self.freeSpaceCell = freeSpaceCell
    self.hit = hit
  }

  /// Every unit counts 1: budgets in plain points and cells (the grid's own tests).
  public static let uniform = WorkCosts(
    decayCell: 1, agentCell: 1, point: 1, freeSpaceCell: 1, hit: 1)

  /// The reference machine: the 2-core x86-64 VM the project is built on, one core, measured on
  /// 2026-12-07 by `Tools/bench/run.sh units` (decay timed alone; the rest a least-squares fit
  /// of each frame's stage times to its counts of each kind, over two VLP-16 captures, an
  /// HDL-32E and a VLS-128, without and with 64 V2X cars; the mean of two runs, rounded). The
  /// fit predicts a frame's budgeted time within 2.7–2.9% at the median, 21–23% at p90. A work
  /// budget of B picoseconds binds about where a wall budget of B would there.
  public static let reference = WorkCosts(
    decayCell: 290, agentCell: 46_200, point: 5_840, freeSpaceCell: 6_390, hit: 42_100)

  /// Picoseconds for `count` units of `kind`.
  @inline(__always)
  public func picoseconds(_ count: Int, of kind: WorkKind) -> Int {
    switch kind {
    case .decayCell: count &* decayCell
    case .agentCell: count &* agentCell
    case .point: count &* point
    case .freeSpaceCell: count &* freeSpaceCell
    case .hit: count &* hit
    }
  }
}
