/// The budget a frame runs under, resolved from config for this run.
public enum FrameBudget: Sendable, Equatable {
  /// Wall time from the frame's start, nanoseconds.
  case wall(nanoseconds: Int64)
  /// Work units (points and cells): deterministic.
  case work(units: Int)

  public init(config: SightlineConfig.Frame, live: Bool) {
    let wall = FrameBudget.wall(nanoseconds: Int64(config.budgetMilliseconds * 1e6))
    switch config.budgetMode {
    case .wall: self = wall
    case .work: self = .work(units: config.workUnits)
    case .auto: self = live ? wall : .work(units: config.workUnits)
    }
  }
}
