import SightlinePipeline
import SightlinePublish

extension BenchmarkReport {
  /// `bench units`: units and time per frame by stage, then ns_per_unit=<x>
  /// work_units_for_budget=<n>: the work-unit budget that binds where a wall budget of
  /// `budgetMilliseconds` would on this machine (the wall deadline leaves the output stage's
  /// p99 and 0.2 ms, as `SweepToFrame` does).
  public static func units(_ result: WorkUnitCalibration.Result, budgetMilliseconds: Double)
    -> [String]
  {
    let units = zip(result.v2xUnits, result.lidarUnits).map { Int64($0 + $1) }
    func stageCost(_ time: [Int64], _ units: [Int]) -> String {
      let total = units.reduce(0, +)
      return Report.fixed(total > 0 ? Double(time.reduce(0, +)) / Double(total) : 0, 3)
    }
    let outputP99 = FrameBenchmark.percentile(result.outputNanoseconds, 0.99)
    let usable = budgetMilliseconds * 1e6 - Double(outputP99) * 1.25 - 200_000
    let perUnit = result.nanosecondsPerUnit
    let equivalent = perUnit > 0 ? Int(max(0, usable) / perUnit) : 0
    return [
      "frames=\(units.count) units_per_frame_p50=\(FrameBenchmark.percentile(units, 0.5))"
        + " units_per_frame_max=\(units.max() ?? 0)",
      "decay_v2x_ns_per_unit=\(stageCost(result.v2xNanoseconds, result.v2xUnits))"
        + " lidar_ns_per_unit=\(stageCost(result.lidarNanoseconds, result.lidarUnits))"
        + " output_ms_p99=\(Report.fixed(milliseconds(outputP99), 3))",
      "ns_per_unit=\(Report.fixed(perUnit, 3)) work_units_for_budget=\(equivalent)"
        + " budget_ms=\(budgetMilliseconds)",
    ]
  }
}
