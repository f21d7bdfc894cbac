/// What `sightline play` sent.
public struct PlaySummary: Sendable, Equatable {
  public var dataDatagrams = 0
  /// Datagrams of the second stream: Velodyne GPRMC position packets, or an Ouster's IMU packets.
  public var positionDatagrams = 0
  public var otherDatagramsSkipped = 0
  public var v2xMessages = 0
  /// UPER BSMs and PSMs whose secMark was moved, and V2X payloads sent as recorded.
  public var v2xRestamped = 0
  public var v2xUnchanged = 0
  public var passes = 0
  /// Capture time played, seconds (over all passes).
  public var captureSeconds = 0.0
}
