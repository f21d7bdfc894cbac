import SightlineFoxglove
import SightlineLidar
import SightlinePipeline
import SightlinePublish

/// How a live run listens and when it stops.
public struct LiveOptions: Sendable {
  public var config: SightlineConfig
  public var bindAddress = "0.0.0.0"
  /// The sensor's data port, and its second port (Velodyne's GPRMC position packets, Ouster's
  /// IMU packets); nil takes the stream's own (`LidarIngest.ports`). 0 binds any free port.
  public var dataPort: UInt16?
  public var positionPort: UInt16?
  /// Kernel receive buffer per socket. 16 MiB holds about 2 s of VLS-128 traffic.
  public var receiveBufferBytes = 16 << 20
  /// Stop after this long (nil: until a signal).
  public var durationSeconds: Double?
  /// Stop once data has flowed and then nothing arrived for this long (tests, scripted runs).
  public var idleExitSeconds: Double?
  public var waitForSubscribers = 0
  public var subscriberTimeoutSeconds: Double = 10
  /// Record every frame to this MCAP file (FrameRecorder).
  public var recordPath: String?
  /// Serve the frames to Foxglove (ws-protocol v1) on this address (FoxgloveSink).
  public var foxglove: FoxgloveAddress?
  /// The config file, re-read on SIGHUP or `reload.request()`.
  public var configPath: String?
  /// Asks the running frame thread to re-read `configPath`.
  public var reload = ReloadTrigger()
  /// The run's host timeline (tests inject clock steps through it).
  public var hostClock = HostClock()
  /// Stops this run (the service group trips it on SIGINT and SIGTERM).
  public var stop = StopToken()
  /// Told the ports the LiDAR sockets bound (data, and the second port when there is one) once
  /// they listen: how an in-process sender finds a run that bound port 0 (`bench latency`).
  public var onListening: (@Sendable (_ data: UInt16, _ second: UInt16?) -> Void)?

  public init(config: SightlineConfig) { self.config = config }
}
