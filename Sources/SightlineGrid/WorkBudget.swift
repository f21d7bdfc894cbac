// The per-frame budget the grid's stages spend. Work is checked at checkpoints (every chunk
// of points or tiles), never per cell, so the check costs nothing measurable.
//
// Two currencies: wall time, for a vehicle box, and work units (points and cells), for a
// replay that must give the same bytes on any machine. The clock is injected: this core does
// no I/O and tests drive it with a fake clock.

public struct WorkBudget {
  public enum Limit {
    /// Stop before `deadline` (ns on `clock`'s scale).
    case wallClock(deadline: Int64, clock: () -> Int64)
    /// Stop after this many work units (each kind weighted by `costs`).
    case workUnits(Int)
    /// Never stop.
    case unlimited
  }

  let limit: Limit
  /// What each kind of work counts in `unitsSpent`.
  public let costs: WorkCosts
  /// Units spent so far (each kind weighted by `costs`), whatever the currency.
  public private(set) var unitsSpent = 0
  /// Set once the next chunk can no longer be afforded; every later check fails.
  public private(set) var isExhausted = false
  /// The longest gap between two wall-clock checks: the next chunk is assumed to take as
  /// long, so the frame stops before the deadline rather than after it.
  var longestChunk: Int64 = 0
  var lastCheck: Int64 = 0

  public init(_ limit: Limit, costs: WorkCosts = .uniform) {
    self.limit = limit
    self.costs = costs
    if case .wallClock(_, let clock) = limit { lastCheck = clock() }
  }

  public static var unlimited: WorkBudget { WorkBudget(.unlimited) }

  /// Records `count` units of `kind` just done and says whether another chunk fits.
  public mutating func allowsMore(afterSpending count: Int, of kind: WorkKind) -> Bool {
    unitsSpent &+= costs.picoseconds(count, of: kind)
    guard !isExhausted else { return false }
    switch limit {
    case .unlimited:
      return true
    case .workUnits(let total):
      if Int64(unitsSpent) + committed >= Int64(total) { isExhausted = true }
    case .wallClock(let deadline, let clock):
      let now = clock()
      longestChunk = max(longestChunk, now - lastCheck)
      lastCheck = now
      if now + longestChunk + committed >= deadline { isExhausted = true }
    }
    return !isExhausted
  }

  public var isWallClock: Bool {
    if case .wallClock = limit { return true }
    return false
  }

  /// The clock's reading for wall budgets (nil otherwise): lets the grid time its own parts.
  public func now() -> Int64? {
    if case .wallClock(_, let clock) = limit { return clock() }
    return nil
  }

  /// Work that must still happen after the last check (claimed hits to apply), in the
  /// budget's own terms: nanoseconds for wall budgets, units for work budgets (`commit`).
  /// Checks keep room for it, so a frame stops early enough to finish it.
  public var committed: Int64 = 0

  /// Reserves `count` units of `kind` still to do, or `nanoseconds` of it under a wall budget.
  public mutating func commit(_ count: Int, of kind: WorkKind, nanoseconds: Int64) {
    committed = isWallClock ? nanoseconds : Int64(costs.picoseconds(count, of: kind))
  }

  /// Whether anything at all can start (no work done yet, or the budget is already spent).
  public mutating func allowsStart() -> Bool { allowsMore(afterSpending: 0, of: .point) }
}
