/// One sensor's UDP payloads in, sweeps out: the vendor-neutral face of a LiDAR decoder. Each
/// vendor (Velodyne, Ouster, Hesai) has a folder with its packet format, its decoder and a
/// stream that conforms to this; the pipeline sees only `Sweep`s of `LidarPoint`s.
///
/// The contract every vendor keeps:
/// - Points are in the **sensor frame, REP 103** (x forward, y left, z up, metres), whatever the
///   vendor's own convention (Hesai's +y at azimuth 0 is turned by −90° about z; Ouster's
///   `lidar_to_sensor_transform` is applied, giving its "sensor" frame).
/// - `ring` is the vendor's beam row, as its own tools number it: Velodyne's ring as
///   velodyne-decoder gives it (0 lowest), Ouster's pixel row (0 the top beam, as ouster-sdk's
///   `LidarScan`), Hesai's channel − 1 (as nebula). `returnType` is 1 strongest, 2 last, 3 both
///   (for first+last sensors: 1 first, 2 last, 3 both), and `azimuthCentidegrees` is the
///   column's (firing's) azimuth, 0..<36000, clockwise seen from above from the sensor's +x.
/// - `timeNanoseconds` is the firing's time on the **sensor's clock** as the packet gives it,
///   in nanoseconds (UTC when the sensor is GNSS/PTP disciplined; Ouster's internal oscillator
///   counts from power-up). `timeBase` says which, so the timeline can align it to the host.
/// - Every payload is either decoded or counted under a reason in `drops`; nothing is lost
///   silently, nothing traps.
/// - The hot path (`ingest`) does not allocate once the sweep buffer has grown to a revolution.
public protocol LidarStream {
  /// Decodes one UDP payload that arrived at `destinationPort`. Finished sweeps are handed to
  /// `onSweep` with the stream's `counts` as of then (which may swap the buffer for another
  /// with capacity); the stream then starts the next one. Payloads of other ports or unknown
  /// formats are counted in `drops`.
  mutating func ingest(
    payload: UnsafeRawBufferPointer, destinationPort: UInt16, captureTimeNanoseconds: Int64,
    onSweep: (inout Sweep, LidarStreamCounts) throws -> Void
  ) rethrows

  /// Hands on whatever sweep is being assembled (the partial one at the end of a capture).
  mutating func flush(onSweep: (inout Sweep, LidarStreamCounts) throws -> Void) rethrows

  /// What the stream has learned of its sensor from the packets so far (nil before the first
  /// decoded packet): for `inspect` and reports.
  var sensor: LidarSensorDescription? { get }

  /// Payloads not turned into points, by reason (a stable dotted name such as
  /// "ouster.packet_size", "hesai.crc"), and the counts. Reasons with a zero count may be left
  /// out.
  var drops: [(reason: String, count: Int)] { get }

  /// The counts every vendor has, for the frame's counters and reports.
  var counts: LidarStreamCounts { get }

  /// The UDP ports the stream takes, data first (then Velodyne's GPRMC or Ouster's IMU port).
  var ports: [UInt16] { get }

  /// The largest data payload the stream expects, for sizing receive buffers.
  var maxPayloadBytes: Int { get }

  /// The time (sensor clock) of the latest packet whose time was read (`counts.timedPackets`),
  /// for aligning the sensor's clock with the host's.
  var lastPacketTimeNanoseconds: Int64? { get }
}

extension LidarStream {
  public var counts: LidarStreamCounts { LidarStreamCounts() }
  public var lastPacketTimeNanoseconds: Int64? { nil }
}

/// What every stream counts, whatever its vendor.
public struct LidarStreamCounts: Sendable, Equatable {
  /// Payloads on the data port (or of the data format), and those decoded into points.
  public var dataPackets = 0
  /// Data packets whose time was read (accepted; then decoded or dropped as late).
  public var timedPackets = 0
  public var decodedPackets = 0
  /// Judged missing (sequence or azimuth gaps), summed over the sweeps handed on so far.
  public var packetsMissing = 0
  /// Older than the packet before them: dropped, never merged into the wrong sweep.
  public var latePackets = 0
  /// Returns outside the range limits, and second returns merged into the first (same point).
  public var returnsOutOfRange = 0
  public var mergedDualReturns = 0
  public var points = 0
  /// Data payloads refused (any reason in `drops`), and refused payloads of the sensor's other
  /// kinds (Velodyne's position packets, Ouster's IMU packets).
  public var packetsRejected = 0
  public var otherPacketsRejected = 0

  public init() {}
}

/// What a stream knows about its sensor, from its packets and its metadata or calibration.
public struct LidarSensorDescription: Sendable, Equatable {
  public enum TimeBase: String, Sendable {
    /// UTC from GNSS or PTP (Velodyne's top-of-hour with GPRMC, Hesai's packet date and time,
    /// Ouster with TIME_FROM_PTP_1588 or TIME_FROM_SYNC_PULSE_IN).
    case utc
    /// A free-running clock (Ouster's TIME_FROM_INTERNAL_OSC counts from power-up).
    case sensorLocal
  }

  /// "Velodyne", "Ouster", "Hesai".
  public var vendor: String
  /// "VLS-128", "OS-0-32", "PandarQT64", …
  public var model: String
  /// The packet layout: Ouster's UDP profile ("RNG19_RFL8_SIG16_NIR16_DUAL"), Hesai's protocol
  /// version ("3.1"), Velodyne's "factory bytes".
  public var profile: String
  /// "strongest", "last", "dual (last+strongest)", "dual (first+last)", …
  public var returnMode: String
  /// Beams (rows) and columns (firings) per revolution.
  public var beams: Int
  public var columnsPerRevolution: Int
  /// Revolutions per second as configured or measured (10 for 600 RPM).
  public var revolutionsPerSecond: Double
  public var timeBase: TimeBase

  public init(
    vendor: String, model: String, profile: String, returnMode: String, beams: Int,
    columnsPerRevolution: Int, revolutionsPerSecond: Double, timeBase: TimeBase
  ) {
    self.vendor = vendor
    self.model = model
    self.profile = profile
    self.returnMode = returnMode
    self.beams = beams
    self.columnsPerRevolution = columnsPerRevolution
    self.revolutionsPerSecond = revolutionsPerSecond
    self.timeBase = timeBase
  }
}
