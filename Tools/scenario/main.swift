// sightline-scenario: writes a synthetic drive with ground truth into a folder (Replay/<name>):
// a pcap of real Velodyne packets ray-cast against the scene, a V2X log of UPER BSMs and PSMs
// passed through a radio link model, truth.jsonl, drive.toml and a README. The same scenario
// gives the same bytes: `swift run sightline-scenario NAME FOLDER` regenerates it.

import Foundation
import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlinePipeline
import SightlineScenario
import SightlineTimeline
import SightlineV2X
import SightlineVelodyne

struct GeneratorError: Error, CustomStringConvertible {
  let description: String
}

/// The drive's clock: scenario time 0 is this UTC instant (a quarter past an hour, so the
/// sensor's top-of-hour time does not wrap during a drive).
let startNanoseconds: Int64 = 1_772_446_500_000_000_000  // 2026-03-02T10:15:00Z

func utc(_ seconds: Double) -> Int64 { startNanoseconds + Int64((seconds * 1e9).rounded()) }

/// Every sensor's packets and the relayed GPRMC, interleaved by time (RigCapture).
func writeLidar(_ scenario: Scenario, to path: String) throws -> (packets: Int, points: Int) {
  var capture = try RigCapture(scenario: scenario, startNanoseconds: startNanoseconds)
  let pcap = try PcapWriter(path: path)
  defer { try? pcap.close() }
  while let record = try capture.next() {
    try pcap.write(record.frame, timestampNanoseconds: record.timeNanoseconds)
  }
  try pcap.close()
  return (capture.packets, capture.points)
}

func writeTruth(_ scenario: Scenario, to path: String) throws -> Int {
  let scene = scenario.scene
  var header = TruthHeader(
    scenario: scene.name,
    origin: .init(
      latitude: scene.origin.latitude, longitude: scene.origin.longitude,
      height: scene.origin.height),
    startNanoseconds: startNanoseconds, durationSeconds: scene.duration,
    sensor: scenario.sensor.rawValue, sensorHeight: scene.sensorHeight,
    buildings: scene.buildings.map(TruthHeader.Solid.init),
    agents: scene.agents.map {
      .init(
        id: $0.id, kind: $0.kind, length: $0.length, width: $0.width, height: $0.height,
        equipped: $0.equipped)
    })
  if !scenario.rig.isEmpty {
    header.sensor = scenario.rig.map(\.model.rawValue).joined(separator: ",")
    header.describeRig(
      scenario.rig, antenna: scenario.gnssAntenna, startNanoseconds: startNanoseconds)
  }
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  var lines = [String(decoding: try encoder.encode(header), as: UTF8.self)]
  var step = 0
  while Double(step) * 0.05 <= scene.duration + 1e-9 {
    let time = Double(step) * 0.05
    func state(_ id: UInt32, _ trajectory: Trajectory) -> TruthSample.State {
      let state = trajectory.state(at: time)
      return .init(
        id: id, x: state.pose.x, y: state.pose.y, yaw: state.pose.yaw, speed: state.speed)
    }
    let sample = TruthSample(
      t_ns: utc(time), ego: state(0, scene.ego),
      agents: scene.agents.map { state($0.id, $0.trajectory) })
    lines.append(String(decoding: try encoder.encode(sample), as: UTF8.self))
    step += 1
  }
  try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
  return lines.count - 1
}

func writeV2X(_ scenario: Scenario, to path: String) throws -> (sent: Int, received: Int) {
  let scene = scenario.scene
  let plane = LocalTangentPlane(
    origin: GeodeticPosition(
      latitudeDegrees: scene.origin.latitude, longitudeDegrees: scene.origin.longitude,
      heightMeters: scene.origin.height))
  var entries: [V2XLogEntry] = []
  var sent = 0
  for (index, agent) in scene.agents.enumerated() where agent.equipped {
    var channel = RadioChannel(link: scenario.link, seed: scenario.seed &+ UInt64(index) &* 7919)
    var receiver = GNSSErrorTrack(
      model: agent.gnss, seed: scenario.seed ^ (UInt64(agent.id) &* 0x9E37_79B9))
    // Senders are not in step: each starts at its own phase within the interval.
    let interval = 1 / scenario.messageRate
    var time = interval * Double(index % 7) / 7
    var count = 0
    while time < scene.duration {
      let state = agent.trajectory.state(at: time)
      let pose = state.pose
      let ego = scene.ego.state(at: time).pose
      // Drawn for every message, sent or not, so the error wanders on in real time.
      let error = receiver.sample(at: time)
      if hypot(pose.x - ego.x, pose.y - ego.y) <= scenario.radioRange {
        let geo = plane.geodetic(ENUPoint(east: pose.x + error.east, north: pose.y + error.north))
        let payload = try J2735Message.encode(
          agent: agent, latitude: geo.latitudeDegrees, longitude: geo.longitudeDegrees,
          elevation: scene.origin.height, speed: max(0, state.speed + error.speed),
          headingDegrees: enuYawToHeading(
            radiansFromEastCounterClockwise: pose.yaw + error.heading),
          yawRateDegrees: state.yawRate * 180 / .pi, acceleration: state.acceleration,
          generation: utc(time + agent.clockOffset + scenario.link.senderClockOffset),
          count: count)
        sent += 1
        for arrival in channel.deliver(sentAt: time) {
          entries.append(
            V2XLogEntry(
              t_ns: utc(arrival), source: String(format: "obu-%08x", agent.id), topic: "",
              format: .uper, payload: payload))
        }
        count += 1
      }
      time += interval
    }
  }
  entries.sort { $0.t_ns < $1.t_ns }
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  let text = try entries.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
  try (text.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
  return (sent, entries.count)
}

/// The localization's poses (`[ego] source = "localization"`): `pose.jsonl`, one a line.
func writePoses(_ scenario: Scenario, to path: String) throws -> Int {
  let poses = EgoLocalization.poses(scenario: scenario, startNanoseconds: startNanoseconds)
  let text = poses.map(\.jsonLine).joined(separator: "\n") + "\n"
  try text.write(toFile: path, atomically: true, encoding: .utf8)
  return poses.count
}

func manifest(_ scenario: Scenario, pcap: String) -> String {
  let lidars = scenario.sensors.map(\.model.rawValue).joined(separator: " + ")
  var relay = "the LiDAR"
  if let sensor = scenario.rig.first(where: { $0.positionPort != nil }) {
    relay = "the LiDAR \"\(sensor.name)\", at the GNSS antenna"
  }
  let ego: String
  switch scenario.egoSource {
  case .gprmc:
    ego =
      "# The simulated receiver's GPRMC (\(scenario.egoFixRate) Hz,"
      + " \(scenario.egoGNSS.positionSigma) m 1σ), relayed by \(relay)."
  case .truth:
    ego = "# The truth's ego poses at 20 Hz: an ideal GNSS/INS."
  case .localization:
    let model = scenario.egoLocalization
    ego = """
      # The vehicle's localization (INS): base_link's pose at \(model.rate) Hz, \
      \((model.positionSigma * 1e4).rounded() / 1e4) m 1σ per axis
      # (\(model.whiteSigma) m white, \(model.biasSigma) m wandering bias), yaw \
      \((model.yawSigma * 180 / .pi * 1e9).rounded() / 1e9)° 1σ, received \(model.latency * 1000) ms after its time.
      """
  }
  let log = scenario.egoSource == .localization ? "\nlog = \"pose.jsonl\"" : ""
  return """
    # Written by Tools/scenario from scenario.toml (Tools/scenario/regenerate.sh); see README.md.
    name = "\(scenario.scene.name)"
    summary = "synthetic: \(scenario.scene.name), \(lidars), with ground truth"

    [lidar]
    pcap = "\(pcap)"

    [v2x]
    log = "v2x.jsonl"

    [ego]
    \(ego)
    source = "\(scenario.egoSource.rawValue)"\(log)

    [truth]
    file = "truth.jsonl"

    """ + (scenario.rig.isEmpty ? "" : rigConfig(scenario))
}

/// A rig's drive: the runtime's view of the vehicle (`[config.vehicle]`, `[config.lidar]` and
/// its sensor tables), written as the runtime reads them.
func rigConfig(_ scenario: Scenario) -> String {
  let antenna = scenario.gnssAntenna
  var text = """

    [config.vehicle]
    # The GNSS antenna in the vehicle frame (REP 105 base_link: on the ground under the rear axle,
    # x forward, y left, z up): the GPRMC fixes are its position, not base_link's.
    gnss_antenna = { x = \(antenna.x), y = \(antenna.y), z = \(antenna.z) }

    [config.grid]
    # Heights are the vehicle frame's (ground at 0): kerbs and planters are obstacles.
    obstacle_min_z_m = 0.08
    obstacle_max_z_m = 2.5

    [config.lidar]
    # Points of every sensor go into this one's frame; mounts: R = Rz(yaw)·Ry(pitch)·Rx(roll),
    # point_vehicle = R·point_sensor + (x, y, z).
    frame_sensor = "\(scenario.rig[0].name)"

    """
  for sensor in scenario.rig {
    let mount = sensor.mount
    let angles = mount.degrees
    text += """

      [[config.lidar.sensor]]
      name = "\(sensor.name)"
      model = "\(sensor.model.rawValue)"
      port = \(sensor.port)

      """
    if let port = sensor.positionPort { text += "position_port = \(port)\n" }
    text += """
      mount = { x = \(mount.x), y = \(mount.y), z = \(mount.z), roll_deg = \(angles.roll), \
      pitch_deg = \(angles.pitch), yaw_deg = \(angles.yaw) }

      """
  }
  return text
}

func readme(_ scenario: Scenario, pcap: String) -> String {
  guard scenario.rig.isEmpty else { return RigReadme.text(scenario, pcap: pcap) }
  return """
    # \(scenario.scene.name) (synthetic)

    \(scenario.summary)

    - `scenario.toml`: the scenario (docs/SCENARIOS.md): scene, motion, every sender's GNSS
      error and clock, the radio link, the LiDAR's noise and the ego's receiver.
    - `\(pcap)`: real \(scenario.sensor.rawValue) packets (\(scenario.returns.rawValue) return, 600 RPM,
      \(scenario.rangeNoise * 100) cm range noise) ray-cast against the scene from the moving ego,
      and the ego receiver's GPRMC at \(scenario.egoFixRate) Hz (\(scenario.egoGNSS.positionSigma) m
      1σ). Any Velodyne decoder reads it (`make test` checks it with velodyne-decoder).
    - `v2x.jsonl`: the BSMs and PSMs the ego's radio received (docs/V2X-LOG.md), UPER-encoded
      MessageFrames at \(Int(scenario.messageRate)) Hz per equipped agent, after the radio link model.
    - `truth.jsonl`: every agent's and the ego's true pose every 50 ms, and the scene's boxes
      (`sightline eval` scores against it).
    \(RigReadme.poseLine(scenario).isEmpty ? "" : RigReadme.poseLine(scenario) + "\n")
    Regenerate (the same bytes every time): `swift run -c release sightline-scenario
    Replay/\(scenario.scene.name)/scenario.toml`. Run: `sightline replay
    Replay/\(scenario.scene.name)`; score: `sightline eval Replay/\(scenario.scene.name)`.
    Generated by this project; the same licence as the code.

    """
}

func run() throws {
  var arguments = Array(CommandLine.arguments.dropFirst())
  let usage =
    "usage: sightline-scenario SCENARIO.toml [FOLDER] [--sensor VLP-16|VLS-128]"
    + " [--returns strongest|last|dual]   (FOLDER: the scenario file's own by default)"
  func option(_ name: String) throws -> String? {
    guard let at = arguments.firstIndex(of: name) else { return nil }
    guard at + 1 < arguments.count else { throw GeneratorError(description: usage) }
    defer { arguments.removeSubrange(at...(at + 1)) }
    return arguments[at + 1]
  }
  let sensor = try option("--sensor")
  let returns = try option("--returns")
  guard (1...2).contains(arguments.count) else { throw GeneratorError(description: usage) }
  let path = arguments[0]
  let home = (path as NSString).deletingLastPathComponent
  var scenario = try ScenarioFile.parse(
    try String(contentsOfFile: path, encoding: .utf8), file: path
  ) { base in
    try String(contentsOfFile: (home as NSString).appendingPathComponent(base), encoding: .utf8)
  }
  if let sensor {
    guard scenario.rig.isEmpty else {
      throw GeneratorError(description: "--sensor: \(path) has its own [[lidar.sensor]] tables")
    }
    guard let parsed = Scenario.Sensor(rawValue: sensor) else {
      throw GeneratorError(description: usage)
    }
    scenario.sensor = parsed
    scenario.lidarFrom = nil  // another sensor: a capture of its own
  }
  if let returns {
    guard let parsed = Scenario.Returns(rawValue: returns) else {
      throw GeneratorError(description: usage)
    }
    scenario.returns = parsed
    scenario.lidarFrom = nil
  }
  let folder = arguments.count == 2 ? arguments[1] : (home.isEmpty ? "." : home)
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  if arguments.count == 2 {
    // The drive keeps the scenario it was made from.
    let copy = (folder as NSString).appendingPathComponent("scenario.toml")
    if copy != path {
      try? FileManager.default.removeItem(atPath: copy)
      try FileManager.default.copyItem(atPath: path, toPath: copy)
    }
  }
  let name = scenario.scene.name
  var pcap = "\(name).pcap"
  var lidarLine = "LiDAR capture of \(scenario.lidarFrom ?? name)"
  if let other = scenario.lidarFrom {
    pcap = "../\(other)/\(other).pcap"
  } else {
    let lidar = try writeLidar(scenario, to: "\(folder)/\(pcap)")
    lidarLine = "\(lidar.packets) LiDAR packets (\(lidar.points) returns)"
  }
  let v2x = try writeV2X(scenario, to: "\(folder)/v2x.jsonl")
  let samples = try writeTruth(scenario, to: "\(folder)/truth.jsonl")
  var poses = ""
  if scenario.egoSource == .localization {
    poses = ", \(try writePoses(scenario, to: "\(folder)/pose.jsonl")) localization poses"
  }
  try manifest(scenario, pcap: pcap).write(
    toFile: "\(folder)/drive.toml", atomically: true, encoding: .utf8)
  try readme(scenario, pcap: pcap).write(
    toFile: "\(folder)/README.md", atomically: true, encoding: .utf8)
  print(
    "\(name): \(lidarLine), \(v2x.sent) V2X messages sent, \(v2x.received) received,"
      + " \(samples) truth samples\(poses) → \(folder)")
}

do {
  try run()
} catch {
  FileHandle.standardError.write(Data("sightline-scenario: \(error)\n".utf8))
  exit(1)
}
