/// A synthetic drive's whole description: the scene, the LiDAR, the radio link, every sender's
/// GNSS and clock, the ego's own GNSS, and a seed. The bundled ones are files
/// (`Replay/<name>/scenario.toml`, docs/SCENARIOS.md) that `ScenarioFile` reads; the same
/// scenario always gives the same bytes.
public struct Scenario: Sendable {
  public enum Sensor: String, Sendable {
    case vlp16 = "VLP-16"
    case vls128 = "VLS-128"
  }
  public enum Returns: String, Sendable {
    case strongest
    case last
    case dual
  }
  /// Where the drive's ego pose comes from when it is replayed.
  public enum EgoSource: String, Sendable {
    /// The simulated receiver's GPRMC, relayed by the LiDAR: noisy, as on a real vehicle.
    case gprmc
    /// The truth's poses: an ideal GNSS/INS, for drives that isolate another effect.
    case truth
    /// The vehicle's localization (an INS), `egoLocalization`: its poses in the drive's
    /// `pose.jsonl`.
    case localization
  }

  public var scene: Scene
  public var sensor: Sensor = .vlp16
  /// Which return the packets carry. One surface per ray, so dual carries it twice (decoders
  /// merge an identical pair into one "both" point).
  public var returns = Returns.strongest
  /// LiDAR range noise, 1σ (m), and the share of returns lost (dark or wet surfaces).
  public var rangeNoise = 0.02
  public var returnDropout = 0.0
  public var link: RadioLink
  public var seed: UInt64
  /// How often each equipped agent sends (Hz): BSMs 10 Hz; PSMs 10 Hz here (SAE J2945/9 allows
  /// 1–10).
  public var messageRate: Double = 10
  /// Agents beyond this ignore the ego's radio (m).
  public var radioRange: Double = 300
  /// The ego's GNSS receiver, whose GPRMC the LiDAR relays `egoFixRate` times a second.
  public var egoGNSS = GNSSError()
  public var egoFixRate = 10.0
  public var egoSource = EgoSource.gprmc
  /// The localization's rate and error, for `egoSource == .localization`.
  public var egoLocalization = EgoLocalization.Model()
  /// The ego's LiDARs at their mounting poses (`[[lidar.sensor]]`); empty for the one sensor
  /// of `sensor` at `scene.sensorHeight` above the ego's ground point (`sensors`).
  public var rig: [RigSensor] = []
  /// Where the GNSS antenna is in the vehicle frame (m): the receiver's fixes are its position,
  /// not base_link's.
  public var gnssAntenna = SensorMount.Vector(x: 0, y: 0, z: 0)
  /// A scenario whose scene and LiDAR are another's reuses that drive's capture.
  public var lidarFrom: String? = nil
  /// What the drive shows, for its README.
  public var summary = ""

  /// The LiDARs the drive's capture holds: the rig, or a scenario's one sensor on its default
  /// ports (data 2368, position 8308), upright at `scene.sensorHeight`, 600 RPM from azimuth 0.
  public var sensors: [RigSensor] {
    guard rig.isEmpty else { return rig }
    return [
      RigSensor(
        name: "lidar", model: sensor, port: 2368, positionPort: 8308,
        mount: SensorMount(z: scene.sensorHeight))
    ]
  }

  public init(scene: Scene, link: RadioLink, seed: UInt64) {
    self.scene = scene
    self.link = link
    self.seed = seed
  }
}
