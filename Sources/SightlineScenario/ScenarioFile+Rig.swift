// ScenarioFile's rig: `[[lidar.sensor]]` tables (each LiDAR's model, ports, mount, spin and
// blocked sectors) and the GNSS antenna's place on the vehicle (docs/SCENARIOS.md).

import SightlineTOML

extension ScenarioFile {
  /// Whether `[lidar]` describes a rig: `sensor` is an array of tables, not a model's name.
  static func isRig(_ lidar: ScenarioKeys) -> Bool {
    lidar.table["sensor"]?.array != nil
  }

  /// The `[[lidar.sensor]]` tables: every name, port and position port distinct, one sensor at
  /// most relaying the GNSS receiver (and one when the ego's pose is its GPRMC).
  func rig(_ lidar: ScenarioKeys, returns: Scenario.Returns, egoSource: Scenario.EgoSource)
    throws -> [RigSensor]
  {
    for key in ["height_m", "from"] where lidar.has(key) {
      throw lidar.fail(key, "not with [[lidar.sensor]] tables (each sensor has its own mount)")
    }
    let tables = try lidar.tables("sensor")
    guard !tables.isEmpty else {
      throw lidar.fail("sensor", "must be a model's name or at least one [[lidar.sensor]] table")
    }
    var sensors: [RigSensor] = []
    var ports: [UInt16: String] = [:]
    for keys in tables {
      let sensor = try rigSensor(keys)
      if let other = sensors.first(where: { $0.name == sensor.name }) {
        throw keys.fail("name", "\"\(other.name)\" names two sensors: names must differ")
      }
      for (key, port) in [("port", sensor.port), ("position_port", sensor.positionPort)] {
        guard let port else { continue }
        if let owner = ports[port] {
          throw keys.fail(key, "port \(port) is already \(owner): every port must differ")
        }
        ports[port] = "\(key) of \"\(sensor.name)\""
      }
      if sensor.positionPort != nil, let relay = sensors.first(where: { $0.positionPort != nil }) {
        throw keys.fail(
          "position_port",
          "only one sensor relays the GNSS receiver's position packets, and \"\(relay.name)\""
            + " does")
      }
      if sensor.model == .vls128 && returns == .dual {
        throw keys.fail("model", "a VLS-128 cannot be written in dual return ([lidar] returns)")
      }
      sensors.append(sensor)
    }
    if egoSource == .gprmc && !sensors.contains(where: { $0.positionPort != nil }) {
      throw lidar.fail(
        "sensor",
        "ego.source \"gprmc\" needs one sensor with a position_port (it relays the receiver)")
    }
    return sensors
  }

  func rigSensor(_ keys: ScenarioKeys) throws -> RigSensor {
    try keys.allow([
      "name", "model", "port", "position_port", "mount", "rpm", "phase_deg", "blockage",
    ])
    let name = try keys.string("name")
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
    guard (1...32).contains(name.count), name.allSatisfy({ allowed.contains($0) }) else {
      throw keys.fail("name", "must be 1–32 letters, digits, '-' or '_', not \"\(name)\"")
    }
    let rpm = try keys.double("rpm", from: 300, to: 1200, default: 600)
    guard rpm == rpm.rounded() else { throw keys.fail("rpm", "must be whole, not \(rpm)") }
    var blockages: [RigSensor.Blockage] = []
    for blockage in try keys.tables("blockage") { blockages.append(try self.blockage(blockage)) }
    return RigSensor(
      name: name, model: try keys.choice("model", Scenario.Sensor.self),
      port: try port(keys, "port"),
      positionPort: keys.has("position_port") ? try port(keys, "position_port") : nil,
      mount: try mount(try keys.table("mount")), rpm: Int(rpm),
      phaseDegrees: try keys.double("phase_deg", from: 0, to: 360, default: 0)
        .truncatingRemainder(dividingBy: 360), blockages: blockages)
  }

  func port(_ keys: ScenarioKeys, _ key: String) throws -> UInt16 {
    guard let number = try keys.value(key).int, (1...65535).contains(number) else {
      throw keys.fail(key, "must be a UDP port, an integer 1…65535")
    }
    return UInt16(number)
  }

  /// `mount = { x, y, z, roll_deg, pitch_deg, yaw_deg }`: every one written (a calibration).
  func mount(_ keys: ScenarioKeys) throws -> SensorMount {
    try keys.allow(["x", "y", "z", "roll_deg", "pitch_deg", "yaw_deg"])
    let radians = Double.pi / 180
    let x = try keys.double("x", from: -100, to: 100)
    let y = try keys.double("y", from: -100, to: 100)
    let z = try keys.double("z", above: 0)
    guard z <= 20 else { throw keys.fail("z", "must be at most 20 m above the ground, not \(z)") }
    return SensorMount(
      x: x, y: y, z: z,
      roll: try keys.double("roll_deg", from: -360, to: 360) * radians,
      pitch: try keys.double("pitch_deg", from: -360, to: 360) * radians,
      yaw: try keys.double("yaw_deg", from: -360, to: 360) * radians)
  }

  func blockage(_ keys: ScenarioKeys) throws -> RigSensor.Blockage {
    try keys.allow(["from_deg", "to_deg", "start_s", "end_s"])
    let from = try keys.double("from_deg", from: -360, to: 360)
    let to = try keys.double("to_deg", from: -360, to: 720)
    guard to > from, to - from <= 360 else {
      throw keys.fail("to_deg", "must be above from_deg (\(from)) by at most 360, not \(to)")
    }
    let start = try keys.double("start_s", from: 0, to: 3600)
    let end = try keys.double("end_s", from: 0, to: 3600)
    guard end > start else {
      throw keys.fail("end_s", "must be after start_s (\(start)), not \(end)")
    }
    return RigSensor.Blockage(fromDegrees: from, toDegrees: to, start: start, end: end)
  }

  /// `[ego] gnss_antenna = { x, y, z }` in the vehicle frame; base_link's origin when absent.
  func gnssAntenna(_ ego: ScenarioKeys) throws -> SensorMount.Vector {
    guard ego.has("gnss_antenna") else { return SensorMount.Vector(x: 0, y: 0, z: 0) }
    let keys = try ego.table("gnss_antenna")
    try keys.allow(["x", "y", "z"])
    return SensorMount.Vector(
      x: try keys.double("x", from: -100, to: 100), y: try keys.double("y", from: -100, to: 100),
      z: try keys.double("z", from: -100, to: 100))
  }
}
