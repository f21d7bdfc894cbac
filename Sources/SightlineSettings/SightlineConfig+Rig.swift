import SightlineLidar
import SightlineTOML

extension SightlineConfig.Lidar {
  /// The sensors a run decodes: the `[[lidar.sensor]]` tables, or one sensor named "lidar"
  /// from the `[lidar]` keys, at the vehicle frame's origin, with Velodyne's position port.
  public var rig: [LidarSensorConfig] {
    guard sensors.isEmpty else { return sensors }
    var sensor = LidarSensorConfig(name: "lidar")
    sensor.model = model
    sensor.calibrationPath = calibrationPath
    sensor.metadataPath = metadataPath
    if metadataPath == nil && model?.hesai == nil { sensor.positionPort = 8308 }
    return [sensor]
  }

  /// The index in `rig` of the sensor whose sweeps close frames.
  public var frameSensorIndex: Int {
    let rig = rig
    if let name = frameSensor, let index = rig.firstIndex(where: { $0.name == name && $0.enabled })
    {
      return index
    }
    return rig.firstIndex(where: \.enabled) ?? 0
  }
}

extension SightlineConfig {
  /// `{ x, y, z }` in metres, every field finite.
  static func position(_ value: TOMLValue) throws(ValueProblem) -> SIMD3<Double> {
    guard let table = value.table else { throw ValueProblem(message: "expected { x, y, z }") }
    var fields = [Double]()
    for key in table.keys.sorted() where !["x", "y", "z"].contains(key) {
      throw ValueProblem(message: "\(key): unknown key (known: x, y, z)")
    }
    for key in ["x", "y", "z"] {
      guard let item = table[key] else { throw ValueProblem(message: "\(key): missing") }
      guard let number = item.double ?? item.int.map(Double.init), number.isFinite,
        abs(number) <= 100
      else { throw ValueProblem(message: "\(key): expected a finite number within ±100") }
      fields.append(number)
    }
    return SIMD3(fields[0], fields[1], fields[2])
  }

  /// The rules of `[[lidar.sensor]]`: names and ports once each, every sensor's stream fully
  /// described, and the frame sensor one of them.
  func checkRig(file: String) throws(ConfigError) {
    let sensors = lidar.sensors
    guard !sensors.isEmpty else { return }
    for key in ["model", "calibration", "metadata"] {
      let set =
        switch key {
        case "model": lidar.model != nil
        case "calibration": lidar.calibrationPath != nil
        default: lidar.metadataPath != nil
        }
      if set {
        throw ConfigError(
          file: file, key: "lidar.\(key)",
          problem: "with [[lidar.sensor]] tables, set \(key) in each sensor's table")
      }
    }
    var names = Set<String>()
    var ports = [UInt16: String]()
    for (index, sensor) in sensors.enumerated() {
      let key = "lidar.sensor[\(index + 1)]"
      guard names.insert(sensor.name).inserted else {
        throw ConfigError(
          file: file, key: key + ".name", problem: "\"\(sensor.name)\" names two sensors")
      }
      for (portKey, port) in [("port", sensor.port), ("position_port", sensor.positionPort)] {
        guard let port else { continue }
        if let other = ports[port] {
          throw ConfigError(
            file: file, key: "\(key).\(portKey)",
            problem: "port \(port) is already \(other)'s: each sensor sends to ports of its own")
        }
        ports[port] = sensor.name
      }
      if sensor.port == nil && sensors.count > 1 && sensor.metadataPath == nil {
        throw ConfigError(
          file: file, key: key + ".port",
          problem: "with several sensors each needs its data port")
      }
      try Self.checkStream(
        model: sensor.model, calibration: sensor.calibrationPath, metadata: sensor.metadataPath,
        prefix: key, file: file)
    }
    guard sensors.contains(where: \.enabled) else {
      throw ConfigError(
        file: file, key: "lidar.sensor", problem: "every sensor is disabled: enable one")
    }
    if let name = lidar.frameSensor, !sensors.contains(where: { $0.name == name && $0.enabled }) {
      throw ConfigError(
        file: file, key: "lidar.frame_sensor",
        problem:
          "\"\(name)\" is not an enabled sensor (\(sensors.map(\.name).joined(separator: ", ")))")
    }
  }

  /// One stream's description: Ouster's metadata alone, Hesai with its CSV, a calibration file
  /// with the model it describes. `prefix` is "lidar" or "lidar.sensor[N]".
  static func checkStream(
    model: LidarModel?, calibration: String?, metadata: String?, prefix: String, file: String
  ) throws(ConfigError) {
    if metadata != nil && (model != nil || calibration != nil) {
      throw ConfigError(
        file: file, key: prefix + ".metadata",
        problem: "an Ouster's metadata describes its model and geometry: leave \(prefix).model at "
          + "auto and \(prefix).calibration unset")
    }
    if model?.hesai != nil && calibration == nil {
      throw ConfigError(
        file: file, key: prefix + ".model",
        problem: "a Hesai sensor needs its angle corrections: set \(prefix).calibration to its CSV")
    }
    if calibration != nil && model == nil {
      throw ConfigError(
        file: file, key: prefix + ".calibration",
        problem: "a calibration file describes one model: set \(prefix).model too")
    }
  }
}

extension SightlineConfig.Lidar {
  /// Disables every sensor of `[[lidar.sensor]]` but `names` (`--only-sensor`: what each
  /// sensor adds, or a run without a failed one). The frame sensor moves to the first left on.
  public mutating func enableOnly(_ names: [String]) throws(ConfigError) {
    guard !names.isEmpty else { return }
    let known = rig.map(\.name)
    for name in names where !known.contains(name) {
      throw ConfigError(
        file: "command line", key: "--only-sensor",
        problem: "no sensor is named \"\(name)\" (\(known.joined(separator: ", ")))")
    }
    guard !sensors.isEmpty else { return }  // the one sensor of a config without tables
    for index in sensors.indices { sensors[index].enabled = names.contains(sensors[index].name) }
    if let name = frameSensor, !names.contains(name) { frameSensor = nil }
  }
}
