/// One LiDAR of the ego's rig (`[[lidar.sensor]]`, docs/SCENARIOS.md): its model, its UDP ports,
/// where it is mounted, how it spins and when part of its view is blocked.
public struct RigSensor: Sendable, Equatable {
  /// A sector of the sensor's own azimuth where, for a while, every return is missing (mud on
  /// the window). Azimuth is REP 103 in the sensor's frame, as decoders report points: 0° along
  /// the sensor's x axis, counter-clockwise positive.
  public struct Blockage: Sendable, Equatable {
    /// The sector runs counter-clockwise from `fromDegrees` to `toDegrees` (above it, at most
    /// 360° more).
    public var fromDegrees: Double
    public var toDegrees: Double
    /// Scenario seconds: blocked from `start` up to (not including) `end`.
    public var start: Double
    public var end: Double

    public init(fromDegrees: Double, toDegrees: Double, start: Double, end: Double) {
      self.fromDegrees = fromDegrees
      self.toDegrees = toDegrees
      self.start = start
      self.end = end
    }

    @inline(__always) public func isActive(at time: Double) -> Bool {
      time >= start && time < end
    }

    /// Whether a ray at `azimuthDegrees` (any angle) lies in the sector.
    @inline(__always) public func covers(azimuthDegrees: Double) -> Bool {
      var offset = (azimuthDegrees - fromDegrees).truncatingRemainder(dividingBy: 360)
      if offset < 0 { offset += 360 }
      return offset <= toDegrees - fromDegrees
    }
  }

  public var name: String
  public var model: Scenario.Sensor
  /// The data packets' UDP port, and the port it relays the GNSS receiver's position packets
  /// on (only the sensor wired to the receiver has one).
  public var port: UInt16
  public var positionPort: UInt16?
  public var mount: SensorMount
  /// Whole revolutions per minute (Velodyne sensors take 300–1200), and the azimuth (Velodyne's:
  /// clockwise, degrees) the sensor points at scenario time 0.
  public var rpm: Int
  public var phaseDegrees: Double
  public var blockages: [Blockage]

  public init(
    name: String, model: Scenario.Sensor, port: UInt16, positionPort: UInt16? = nil,
    mount: SensorMount, rpm: Int = 600, phaseDegrees: Double = 0, blockages: [Blockage] = []
  ) {
    self.name = name
    self.model = model
    self.port = port
    self.positionPort = positionPort
    self.mount = mount
    self.rpm = rpm
    self.phaseDegrees = phaseDegrees
    self.blockages = blockages
  }

  /// The greatest range the model reports (m).
  public var maximumRange: Double { model == .vlp16 ? 100 : 200 }
}
