import Foundation
import SightlineGrid
import SightlineSchema

/// Human-readable lines for the command line.
public enum Report {
  public static func utc(_ nanoseconds: Int64) -> String {
    let seconds = nanoseconds / 1_000_000_000
    let micros = (nanoseconds % 1_000_000_000) / 1000
    let date = Date(timeIntervalSince1970: TimeInterval(seconds))
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    return String(
      format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!,
      c.second!, Int(micros))
  }

  /// One `stats` message: what the publisher has sent and dropped so far.
  public static func statsLine(_ stats: StatsMessage) -> String {
    let c = stats.counters
    var line =
      "  stats\(stats.endOfStream ? " (end of stream)" : "") frames_published=\(stats.framesPublished)"
      + " lidar_packets=\(c.lidarPackets) missing=\(c.lidarPacketsMissing)"
      + " v2x=\(c.v2xAccepted)/\(c.v2xReceived)"
    if c.sweepsDropped > 0 { line += " sweeps_dropped=\(c.sweepsDropped)" }
    if !c.drops.isEmpty {
      line += " drops: " + c.drops.map { "\($0.reason)=\($0.count)" }.joined(separator: " ")
    }
    if stats.inputError { line += " INPUT_ERROR" }
    return line
  }

  public static func frameLine(_ frame: GridFrame) -> String {
    let sweep =
      frame.flags.contains(.partialSweep)
      ? "partial(\(fixed(Double(frame.azimuthCoverageCentidegrees) / 100, 1))°)" : "complete"
    return "seq=\(frame.sequence) sensor_time=\(utc(frame.sensorTimeNanoseconds)) \(sweep)"
      + " points=\(frame.pointsInSweep) used=\(frame.pointsUsed)"
      + " occupied=\(frame.occupiedCells) free=\(frame.freeCells) unknown=\(frame.unknownCells)"
      + (frame.flags.contains(.deterministic)
        ? " budget=work units=\(frame.workUnits)"
        : " proc_ms=\(fixed(Double(frame.processingNanoseconds) / 1e6, 2))"
          + "/\(fixed(Double(frame.budgetNanoseconds) / 1e6, 0))")
      + (frame.flags.contains(.degraded)
        ? " DEGRADED(\((Degradation(rawValue: frame.degradation) ?? .lidarSkipped).name), skipped=\(frame.pointsSkipped),"
          + " free_to=\(fixed(Double(frame.freeSpaceReachMeters), 1))m)" : "")
      + (frame.agentsPainted > 0
        ? " v2x=\(frame.agentsPainted) confirmed=\(frame.agentsConfirmed)"
          + " occluded=\(frame.agentsOccluded) contradicted=\(frame.agentsContradicted)" : "")
      + (frame.flags.contains(.gridReset) ? " GRID_RESET" : "")
  }

  public static func agentsLine(_ frame: AgentsFrame) -> String {
    var line = "  agents seq=\(frame.sequence) n=\(frame.agents.count)"
    if frame.egoKnown {
      line += " ego=(\(fixed(frame.egoEast, 1)), \(fixed(frame.egoNorth, 1)))"
    }
    for agent in frame.agents.prefix(4) {
      let sigma = (Double(agent.covarianceEE + agent.covarianceNN) / 2).squareRoot()
      line +=
        " [\(String(format: "%08x", agent.id)) \(agent.kind) \(agent.model)"
        + " latency=\(fixed(Double(agent.latencyNanoseconds) / 1e6, 0))ms σ=\(fixed(sigma, 1))m"
        + " moved=\(fixed(Double(agent.distanceTravelled), 1))m"
        + (agent.consistency == .notPainted ? "" : " \(agent.consistency)")
        + "]"
    }
    if frame.agents.count > 4 { line += " …" }
    return line
  }

  public static func fixed(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
  }
}
