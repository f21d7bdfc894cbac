import SightlineLidar
import SightlineSchema

/// How one sensor of the rig is doing, on the frame side: kept from the segments its sweeps
/// arrive in (`SweepSegment` carries the ingest's totals), so it needs nothing from the
/// ingest thread. `SensorMonitor` keeps one per sensor.
public struct SensorHealth: Sendable, Equatable {
  public let name: String
  public let enabled: Bool
  public internal(set) var sweeps = 0
  /// Its points in the frames so far, and in the last frame.
  public internal(set) var pointsInFrames = 0
  public internal(set) var pointsInFrame = 0
  /// Packets and points decoded, as of its last sweep.
  public internal(set) var packets = 0
  public internal(set) var points = 0
  public internal(set) var lastSweepEndNanoseconds: Int64?
  public internal(set) var lastCoverageCentidegrees = 0
  public internal(set) var lastPacketsMissing = 0
  /// Its sweep period, from its last two sweeps.
  public internal(set) var periodNanoseconds: Int64 = 100_000_000
  /// Whether its newest sweep was refused for its clock (the ingest counts them:
  /// `LidarRig.Refusals`).
  public internal(set) var lastSweepClockOff = false
  /// Points left out of frames because their sector was blocked.
  public internal(set) var pointsBlocked = 0
  /// Without a sweep for this long a sensor is silent.
  public static let silentAfterNanoseconds: Int64 = 500_000_000

  public init(name: String, enabled: Bool) {
    self.name = name
    self.enabled = enabled
  }

  /// One of its sweeps reached the frame (or was refused: `clockOff`).
  mutating func observe(_ segment: SweepSegment) {
    packets = segment.packets
    points = segment.points
    lastSweepClockOff = segment.clockOff
    guard !segment.clockOff else { return }
    if let last = lastSweepEndNanoseconds, segment.sweepEndNanoseconds > last {
      periodNanoseconds = segment.sweepEndNanoseconds - last
    }
    sweeps += 1
    lastSweepEndNanoseconds = segment.sweepEndNanoseconds
    lastCoverageCentidegrees = segment.coverageCentidegrees
    lastPacketsMissing = segment.packetsMissing
    pointsInFrame += segment.range.count
    pointsInFrames += segment.range.count
  }

  /// Its state at a frame made at `time` (the frame sensor's clock), worst first.
  public func status(at time: Int64, blocked: Bool) -> FrameSensor.Status {
    guard enabled else { return .disabled }
    if lastSweepClockOff { return .clockOff }
    guard let last = lastSweepEndNanoseconds, time - last <= Self.silentAfterNanoseconds else {
      return .silent
    }
    if blocked { return .blocked }
    if time - last > periodNanoseconds * 3 / 2 { return .late }
    if lastPacketsMissing > 0 { return .packetLoss }
    return .ok
  }
}
