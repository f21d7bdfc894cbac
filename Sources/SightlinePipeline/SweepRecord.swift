import SightlineLidar
import SightlineSchema

/// One published frame, as the run saw it: the replay report's rows, the live summary's.
public struct SweepRecord: Sendable, Equatable, Codable {
  public var sequence: UInt64
  public var sensorTimeNanoseconds: Int64
  /// Timestamp of the sweep's last packet (velodyne-decoder stamps scans with it).
  public var lastPacketTimeNanoseconds: Int64
  public var points: Int
  public var pointsUsed: Int
  public var packets: Int
  public var packetsMissing: Int
  public var complete: Bool
  public var coverageDegrees: Double
  public var occupiedCells: Int
  public var freeCells: Int
  public var unknownCells: Int
  public var processingNanoseconds: Int
  /// V2X agents live at the frame's time (tracks younger than their maximum age).
  public var v2xAgents: Int
  /// The budget's verdict: 0 none … 4 LiDAR skipped (GridFrame.degradation), points skipped.
  public var degradation: Int
  public var pointsSkipped: Int
  public var agentsConfirmed: Int
  public var agentsOccluded: Int
  public var agentsContradicted: Int
  public var workUnits: Int

  /// The record of `frame`, made from `sweep`.
  init(_ frame: GridFrame, sweep: borrowing Sweep, processingNanoseconds: Int64) {
    sequence = frame.sequence
    sensorTimeNanoseconds = frame.sensorTimeNanoseconds
    lastPacketTimeNanoseconds = sweep.endNanoseconds
    points = sweep.points.count
    pointsUsed = Int(frame.pointsUsed)
    packets = sweep.packetCount
    packetsMissing = sweep.packetsMissing
    complete = sweep.isComplete
    coverageDegrees = sweep.coverageDegrees
    occupiedCells = Int(frame.occupiedCells)
    freeCells = Int(frame.freeCells)
    unknownCells = Int(frame.unknownCells)
    self.processingNanoseconds = Int(processingNanoseconds)
    v2xAgents = frame.agents.count
    degradation = Int(frame.degradation)
    pointsSkipped = Int(frame.pointsSkipped)
    agentsConfirmed = Int(frame.agentsConfirmed)
    agentsOccluded = Int(frame.agentsOccluded)
    agentsContradicted = Int(frame.agentsContradicted)
    workUnits = Int(frame.workUnits)
  }
}
