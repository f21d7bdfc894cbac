import SightlineLidar
import SightlineTOML

/// One LiDAR on the vehicle (`[[lidar.sensor]]`): which stream decodes it, the ports it sends
/// to, and where it is mounted. A config without sensor tables has one, built from the
/// `[lidar]` keys at the vehicle frame's origin (`SightlineConfig.Lidar.rig`).
public struct LidarSensorConfig: Sendable, Equatable {
  public var name: String
  /// nil: from each packet's product byte (Velodyne); see `SightlineConfig.Lidar.model`.
  public var model: LidarModel? = nil
  public var calibrationPath: String? = nil
  public var metadataPath: String? = nil
  /// The data port; nil takes the stream's own (Velodyne and Hesai 2368, Ouster its metadata's).
  public var port: UInt16? = nil
  /// Velodyne's GPRMC position packets; nil: the sensor relays none.
  public var positionPort: UInt16? = nil
  public var mount = MountPose.identity
  /// Added to the sensor's packet times (a sensor whose clock is known to be off).
  public var timeOffsetNanoseconds: Int64 = 0
  public var enabled = true

  public init(name: String) {
    self.name = name
  }

  static let keys = [
    "name", "model", "port", "position_port", "calibration", "metadata", "mount",
    "time_offset_ms", "enabled",
  ]
  static let mountKeys = ["x", "y", "z", "roll_deg", "pitch_deg", "yaw_deg"]

  /// `[[lidar.sensor]]` tables; a problem names the sensor's position and key.
  static func list(_ value: TOMLValue) throws(SightlineConfig.ValueProblem) -> [Self] {
    guard let array = value.array else {
      throw .init(message: "expected [[lidar.sensor]] tables")
    }
    var sensors = [Self]()
    for (index, element) in array.enumerated() {
      let at = "[\(index + 1)]"
      guard let table = element.table else { throw .init(message: "\(at) is not a table") }
      guard table["name"] != nil else { throw .init(message: "\(at).name: missing") }
      guard table["mount"] != nil else { throw .init(message: "\(at).mount: missing") }
      var sensor = Self(name: "")
      for key in table.keys.sorted() {
        do throws(SightlineConfig.ValueProblem) {
          try sensor.set(key, table[key]!)
        } catch {
          throw .init(message: "\(at).\(key)\(error.message)")
        }
      }
      sensors.append(sensor)
    }
    return sensors
  }

  /// Sets one key; the problem's message starts with ":" or "." (the rest of the key).
  private mutating func set(_ key: String, _ value: TOMLValue)
    throws(SightlineConfig.ValueProblem)
  {
    func problem(_ message: String) -> SightlineConfig.ValueProblem {
      .init(message: ": " + message)
    }
    switch key {
    case "name":
      guard let name = value.string, !name.isEmpty else { throw problem("expected a name") }
      self.name = name
    case "model":
      guard let name = value.string else { throw problem("expected a model name or \"auto\"") }
      if name == "auto" {
        model = nil
      } else if let known = LidarModel(name: name) {
        model = known
      } else {
        throw problem("unknown model \"\(name)\" (auto, \(LidarModel.known))")
      }
    case "port", "position_port":
      guard let port = value.int, (1...65535).contains(port) else {
        throw problem("expected a UDP port in 1...65535")
      }
      if key == "port" { self.port = UInt16(port) } else { positionPort = UInt16(port) }
    case "calibration", "metadata":
      guard let path = value.string, !path.isEmpty else { throw problem("expected a path") }
      if key == "calibration" { calibrationPath = path } else { metadataPath = path }
    case "mount":
      mount = try Self.mount(value)
    case "time_offset_ms":
      guard let offset = value.double ?? value.int.map(Double.init), offset.isFinite,
        abs(offset) <= 3_600_000
      else { throw problem("expected milliseconds within ±3600000") }
      timeOffsetNanoseconds = Int64((offset * 1e6).rounded())
    case "enabled":
      guard let flag = value.bool else { throw problem("expected true or false") }
      enabled = flag
    default:
      throw problem("unknown key (known: \(Self.keys.sorted().joined(separator: ", ")))")
    }
  }

  /// `mount = { x, y, z, roll_deg, pitch_deg, yaw_deg }`: every field, finite.
  static func mount(_ value: TOMLValue) throws(SightlineConfig.ValueProblem) -> MountPose {
    guard let table = value.table else {
      throw .init(message: ": expected { x, y, z, roll_deg, pitch_deg, yaw_deg }")
    }
    for key in table.keys.sorted() where !mountKeys.contains(key) {
      throw .init(message: ".\(key): unknown key (known: \(mountKeys.joined(separator: ", ")))")
    }
    var fields = [Double]()
    for key in mountKeys {
      guard let item = table[key] else { throw .init(message: ".\(key): missing") }
      guard let number = item.double ?? item.int.map(Double.init) else {
        throw .init(message: ".\(key): expected a number, found \(item.typeName)")
      }
      let limit = key.hasSuffix("_deg") ? 360.0 : 100.0
      guard number.isFinite, abs(number) <= limit else {
        throw .init(message: ".\(key): \(number) is not a finite number within ±\(limit)")
      }
      fields.append(number)
    }
    return MountPose(
      x: fields[0], y: fields[1], z: fields[2], rollDegrees: fields[3], pitchDegrees: fields[4],
      yawDegrees: fields[5])
  }
}
