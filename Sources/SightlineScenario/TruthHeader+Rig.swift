// The truth of a rig's drive (truth.jsonl's header): the sensors as mounted, the GNSS antenna,
// and the blocked sectors, for an evaluator to score against.

extension TruthHeader {
  /// Metres in the vehicle frame (REP 105 base_link: x forward, y left, z up).
  public struct Point: Codable, Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var z: Double
    public init(x: Double, y: Double, z: Double) {
      self.x = x
      self.y = y
      self.z = z
    }
  }

  /// A sensor's pose in the vehicle frame: R = Rz(yaw)·Ry(pitch)·Rx(roll), then the offset.
  public struct Mount: Codable, Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var z: Double
    public var rollDegrees: Double
    public var pitchDegrees: Double
    public var yawDegrees: Double
  }

  public struct Sensor: Codable, Sendable, Equatable {
    public var name: String
    public var model: String
    public var port: UInt16
    public var positionPort: UInt16?
    public var mount: Mount
    public var rpm: Int
    public var phaseDegrees: Double
  }

  /// Between `startNanoseconds` and `endNanoseconds` (UTC), `sensor` had no return in the
  /// sector from `fromDegrees` counter-clockwise to `toDegrees` of its own azimuth (REP 103:
  /// 0° along the sensor's x axis).
  public struct Blockage: Codable, Sendable, Equatable {
    public var sensor: String
    public var fromDegrees: Double
    public var toDegrees: Double
    public var startNanoseconds: Int64
    public var endNanoseconds: Int64
  }

  /// The rig's part of the header: its sensors, antenna and blockages, times from `start`.
  public mutating func describeRig(
    _ rig: [RigSensor], antenna: SensorMount.Vector, startNanoseconds start: Int64
  ) {
    sensors = rig.map {
      let angles = $0.mount.degrees
      return Sensor(
        name: $0.name, model: $0.model.rawValue, port: $0.port, positionPort: $0.positionPort,
        mount: Mount(
          x: $0.mount.x, y: $0.mount.y, z: $0.mount.z, rollDegrees: angles.roll,
          pitchDegrees: angles.pitch, yawDegrees: angles.yaw),
        rpm: $0.rpm, phaseDegrees: $0.phaseDegrees)
    }
    gnssAntenna = Point(x: antenna.x, y: antenna.y, z: antenna.z)
    blockages = rig.flatMap { sensor in
      sensor.blockages.map {
        Blockage(
          sensor: sensor.name, fromDegrees: $0.fromDegrees, toDegrees: $0.toDegrees,
          startNanoseconds: start + Int64(($0.start * 1e9).rounded()),
          endNanoseconds: start + Int64(($0.end * 1e9).rounded()))
      }
    }
  }
}
