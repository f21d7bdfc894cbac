// Raw access to the grid's stored cells. Every change goes through here (or mirrors it, in the
// free-space hot loop) so that occupancy, counts and the saturated runs never drift from the
// log-odds. Which cells a frame claimed or freed is the updater's business, not the map's.

/// Raw access to the stored cells for one pass; keeps counts and occupancy in step with the
/// log-odds. Valid only inside `OccupancyGrid.withCells`.
struct CellUpdater {
  let logOdds: UnsafeMutablePointer<Int16>
  let occupancy: UnsafeMutablePointer<Int8>
  let saturated: UnsafeMutablePointer<UInt8>
  let percent: UnsafePointer<Int8>
  let model: FixedLogOdds
  var counts: CellCounts
  var updated = 0

  @inline(__always) mutating func forget(_ index: Int) {
    if logOdds[index] == OccupancyGrid.unknownLogOdds {
      counts.unknown &-= 1
    } else if logOdds[index] > 0 {
      counts.occupied &-= 1
    } else {
      counts.free &-= 1
    }
  }

  /// A stored value as evidence: unknown is no evidence, 0.
  @inline(__always) static func evidence(_ stored: Int16) -> Int32 {
    stored == OccupancyGrid.unknownLogOdds ? 0 : Int32(stored)
  }

  @inline(__always) mutating func set(_ index: Int, _ value: Int32) {
    let run = index &>> OccupancyGrid.runShift
    if Int32(logOdds[index]) == model.minimum { saturated[run] &-= 1 }
    if value == model.minimum { saturated[run] &+= 1 }
    logOdds[index] = Int16(truncatingIfNeeded: value)
    occupancy[index] = percent[Int(value &- model.minimum)]
    if value > 0 { counts.occupied &+= 1 } else { counts.free &+= 1 }
    updated &+= 1
  }

  /// One hit: the caller makes sure each cell gets at most one per frame, after free space
  /// (occupied wins).
  @inline(__always) mutating func applyHit(_ index: Int) {
    forget(index)
    set(index, min(Self.evidence(logOdds[index]) &+ model.hit, model.maximum))
  }

  /// One miss: the caller makes sure each cell gets at most one per frame, and none on a cell
  /// an obstacle claimed.
  @inline(__always) mutating func missOnce(_ index: Int) {
    forget(index)
    set(index, max(Self.evidence(logOdds[index]) &+ model.miss, model.minimum))
  }

  @inline(__always) mutating func clear(_ index: Int) {
    guard logOdds[index] != OccupancyGrid.unknownLogOdds else { return }
    forget(index)
    counts.unknown &+= 1
    if Int32(logOdds[index]) == model.minimum { saturated[index &>> OccupancyGrid.runShift] &-= 1 }
    logOdds[index] = OccupancyGrid.unknownLogOdds
    occupancy[index] = -1
    updated &+= 1
  }

  @inline(__always) mutating func decay(_ index: Int, by step: Int32) {
    guard logOdds[index] != OccupancyGrid.unknownLogOdds else { return }
    let value = Int32(logOdds[index])
    if abs(value) <= step {
      clear(index)
      return
    }
    forget(index)
    set(index, value > 0 ? value - step : value + step)
  }
}
