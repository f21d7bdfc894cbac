/// The points one sensor gave a frame: a range of a merged `Sweep`'s points, already in the
/// vehicle frame, and where that sensor is, so that its free space is cast from its own origin.
public struct SweepSegment: Sendable, Equatable {
  /// The sensor's position in the rig's configuration (`LidarRig.sensors`).
  public var sensor: Int
  public var range: Range<Int>
  /// The sensor's origin in the vehicle frame (metres), from its mount.
  public var originX: Float
  public var originY: Float
  public var originZ: Float
  /// The sweep these points came from: its end, the azimuth it covered, packets it missed.
  public var sweepEndNanoseconds: Int64 = 0
  public var coverageCentidegrees = 0
  public var packetsMissing = 0
  /// The sensor's totals when the sweep was handed on: packets and points decoded (the frame
  /// side reports them without reaching into the ingest).
  public var packets = 0
  public var points = 0
  /// The sweep was refused for a clock far from the frame sensor's: the segment is empty and
  /// only says so.
  public var clockOff = false

  public init(sensor: Int, range: Range<Int>, originX: Float, originY: Float, originZ: Float) {
    self.sensor = sensor
    self.range = range
    self.originX = originX
    self.originY = originY
    self.originZ = originZ
  }
}
