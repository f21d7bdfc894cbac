/// One revolution's worth of points, as a `LidarStream` cuts them (Velodyne at a fixed
/// azimuth, Hesai per laser at its corrected azimuth, Ouster by frame id).
public struct Sweep: Sendable {
  /// An empty sweep (a frame without LiDAR, tests).
  public init() {}
  /// Points in firing order. Capacity is kept between sweeps.
  public var points: [LidarPoint] = []
  /// Which sensor gave which points, for a frame merged from several sensors (`LidarRig`);
  /// empty for one sensor's own sweep (all of it from the vehicle frame's origin).
  public var segments: [SweepSegment] = []
  public var packetCount = 0
  /// Packets that should have been in this sweep but never arrived, judged from jumps in
  /// azimuth between consecutive packets (the rotation rate is tracked, so RPM drift is fine).
  public var packetsMissing = 0
  /// Time of the first packet's first firing.
  public var startNanoseconds: Int64 = 0
  /// Time of the last packet's timestamp.
  public var endNanoseconds: Int64 = 0
  /// Azimuth swept from the first block to the last, in centidegrees.
  public var coverageCentidegrees = 0
  /// True when the sweep began at the cut azimuth and ended at it, with no gap in between.
  public var isComplete: Bool { beganAtCut && endedAtCut && !hadGap }
  public var beganAtCut = false
  public var endedAtCut = false
  public var hadGap = false

  /// Empties the sweep for the next one, keeping its point buffer's capacity.
  public mutating func clear() {
    points.removeAll(keepingCapacity: true)
    segments.removeAll(keepingCapacity: true)
    packetCount = 0
    packetsMissing = 0
    startNanoseconds = 0
    endNanoseconds = 0
    coverageCentidegrees = 0
    beganAtCut = false
    endedAtCut = false
    hadGap = false
  }

  public var coverageDegrees: Double { Double(coverageCentidegrees) / 100 }
  public var packetsExpected: Int { packetCount + packetsMissing }
  /// Revolutions per minute over this sweep, from its coverage and duration.
  public var rpm: Double {
    let seconds = Double(endNanoseconds - startNanoseconds) / 1e9
    return seconds > 0 ? Double(coverageCentidegrees) / 36000 / seconds * 60 : 0
  }
}
