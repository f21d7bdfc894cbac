/// The budget a frame runs under, resolved from config for this run.
public enum FrameBudget: Sendable, Equatable {
  /// Wall time from the frame's start, nanoseconds.
  case wall(nanoseconds: Int64)
  /// Work: picoseconds of the reference machine's time (`WorkCosts.reference`), counted from
  /// the work itself: deterministic.
  case work(picoseconds: Int)

  public init(config: SightlineConfig.Frame, live: Bool) {
    let wall = FrameBudget.wall(nanoseconds: Int64(config.budgetMilliseconds * 1e6))
    let work = FrameBudget.work(picoseconds: Int(config.budgetMilliseconds * 1e9))
    switch config.budgetMode {
    case .wall: self = wall
    case .work: self = work
    case .auto: self = live ? wall : work
    }
  }
}
