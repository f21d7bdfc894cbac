import SightlineGrid
import SightlinePipeline
import SightlinePublish

extension BenchmarkReport {
  /// `bench units`: the frames measured, how well the fitted costs predict them, then the
  /// costs in picoseconds a unit (the last line, what `WorkCosts.reference` holds for the
  /// reference machine).
  public static func units(_ result: WorkUnitCalibration.Result) -> [String] {
    guard let costs = result.costs else {
      return ["frames=\(result.samples.count) fit=none (the captures cannot separate the kinds)"]
    }
    let errors = result.relativeErrors.sorted()
    func error(_ fraction: Double) -> String {
      Report.fixed(errors[min(errors.count - 1, Int(Double(errors.count) * fraction))] * 100, 1)
    }
    return [
      "frames=\(result.samples.count) fit_error_pct_p50=\(error(0.5)) fit_error_pct_p90=\(error(0.9))"
        + " deskew_ps_per_point=\(result.deskewPicosecondsPerPoint)"
        + " output_ps_per_cell=\(result.outputPicosecondsPerCell)",
      "decay_cell_ps=\(costs.decayCell) agent_cell_ps=\(costs.agentCell) point_ps=\(costs.point)"
        + " free_space_cell_ps=\(costs.freeSpaceCell) hit_ps=\(costs.hit)",
    ]
  }
}
