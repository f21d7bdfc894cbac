import SightlinePipeline
import SightlineVelodyne

/// What `sightline play` sends, where to, and how fast.
public struct PlayOptions: Sendable {
  public var lidarPath: String
  public var v2xPath: String?
  /// A BPF filter over the capture (`lidar.filter`, `--filter`): only what passes is sent.
  public var captureFilter: String?
  /// The capture's destination ports that carry the sensor's packets: its data first, then its
  /// second stream when it has one (Velodyne's GPRMC, Ouster's IMU). Datagrams to other ports
  /// are skipped.
  public var capturePorts: [UInt16] = [
    VelodynePacketLayout.dataPort, VelodynePacketLayout.positionPort,
  ]
  /// Whether restamping moves the LiDAR packets' own times (Velodyne's microseconds past the
  /// hour and GPRMC). Other vendors' packets are sent as recorded: an Ouster's free-running
  /// clock is moved onto the host's by the receiver anyway.
  public var restampsLidarPackets = true
  public var host = "127.0.0.1"
  /// Where datagrams for the capture's data and second-stream ports go.
  public var dataPort: UInt16 = VelodynePacketLayout.dataPort
  public var positionPort: UInt16 = VelodynePacketLayout.positionPort
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

  /// Options for the sensor that `config` describes, as `sightline run` reads it
  /// (`LidarStreamFactory`): its ports in the capture, sent on to the same ports (an Ouster's
  /// from its metadata), and the capture filter.
  public init(lidarPath: String, config: SightlineConfig) throws {
    self.init(lidarPath: lidarPath)
    let stream = try LidarStreamFactory.stream(for: config)
    capturePorts = stream.ports
    restampsLidarPackets = stream is VelodyneStream
    captureFilter = config.lidar.captureFilter
    dataPort = capturePorts[0]
    positionPort = capturePorts.count > 1 ? capturePorts[1] : 0
  }

  /// The capture's port of the sensor's second stream, if it has one.
  var secondCapturePort: UInt16? { capturePorts.count > 1 ? capturePorts[1] : nil }
}
