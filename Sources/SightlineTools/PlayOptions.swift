
/// What `sightline play` sends, where to, and how fast.
public struct PlayOptions: Sendable {
  public var lidarPath: String
  public var v2xPath: String?
  public var host = "127.0.0.1"
  /// Where datagrams for the capture's data and position ports go.
  public var dataPort: UInt16 = 2368
  public var positionPort: UInt16 = 8308
  /// The PUB socket V2X payloads are sent on (bound here).
  public var v2xEndpoint = "tcp://127.0.0.1:5570"
  /// Capture seconds per wall second; nil: as fast as possible.
  public var rate: Double? = 1
  /// Start again from the beginning (after `seekSeconds`) when the capture ends.
  public var loop = false
  /// Passes to play when looping (nil: until stopped).
  public var passes: Int? = nil
  /// Skip the first seconds of the drive.
  public var seekSeconds = 0.0
  /// Wait this long before the first datagram (time for receivers to start and subscribe).
  public var startDelaySeconds = 0.0
  /// Move every clock in the drive (LiDAR time, GPRMC, secMark) so that it plays as now;
  /// false keeps the recorded times (a runtime then judges V2X against its own clock).
  public var restamp = true

  public init(lidarPath: String) { self.lidarPath = lidarPath }
}
