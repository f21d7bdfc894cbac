/// One sensor of the rig, as reports show it (`replay --report`, `inspect`, `check`, stats).
public struct SensorReport: Sendable, Equatable, Codable {
  public var name: String
  /// LiDAR packets decoded from this sensor.
  public var packets: Int
  /// Points decoded from its packets (before the grid's filters).
  public var points: Int
  public var sweeps: Int
  /// Its points in the published frames (after blocked sectors were taken out).
  public var pointsInFrames: Int
  /// Its status at the last frame (`SensorHealth.Status`).
  public var status: String
  /// Sectors of its own azimuth flagged blocked at the end, as sector numbers.
  public var blockedSectors: [Int]
  /// Sweeps refused for a clock more than a second from the frame sensor's.
  public var sweepsClockOff: Int
  /// Packets of a disabled sensor, counted and not decoded.
  public var packetsIgnored: Int

  public init(
    name: String, packets: Int, points: Int, sweeps: Int, pointsInFrames: Int, status: String,
    blockedSectors: [Int] = [], sweepsClockOff: Int = 0, packetsIgnored: Int = 0
  ) {
    self.name = name
    self.packets = packets
    self.points = points
    self.sweeps = sweeps
    self.pointsInFrames = pointsInFrames
    self.status = status
    self.blockedSectors = blockedSectors
    self.sweepsClockOff = sweepsClockOff
    self.packetsIgnored = packetsIgnored
  }
}
