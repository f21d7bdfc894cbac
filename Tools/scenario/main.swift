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

func writeLidar(_ scenario: Scenario, to path: String) throws -> (packets: Int, points: Int) {
  let scene = scenario.scene
  let model: VelodyneModel = scenario.sensor == .vlp16 ? .vlp16 : .vls128
  let mode: ReturnMode =
    switch scenario.returns {
    case .strongest: .strongest
    case .last: .last
    case .dual: .dual
    }
  var writer = try VelodynePacketWriter(model: model, returnMode: mode)
  var data = UDPFrameWriter.velodyne(port: 2368)
  var position = UDPFrameWriter.velodyne(port: 8308)
  var positionWriter = PositionPacketWriter()
  let pcap = try PcapWriter(path: path)
  defer { try? pcap.close() }
  let plane = LocalTangentPlane(
    origin: GeodeticPosition(
      latitudeDegrees: scene.origin.latitude, longitudeDegrees: scene.origin.longitude,
      heightMeters: scene.origin.height))
  var noise = SeededRandom(seed: scenario.seed ^ 0x4C49_4441_5200_0000)
  let maximumRange = model == .vlp16 ? 100.0 : 200.0
  var packets = 0
  var points = 0
  var fixes = 0
  var receiver = GNSSErrorTrack(model: scenario.egoGNSS, seed: scenario.seed ^ 0x474E_5353)
  var course = scene.ego.state(at: 0).pose.yaw
  // Time in whole nanoseconds from the packet count (a VLP-16 packet period is 1,327,104 ns):
  // no drift over a drive.
  let period = writer.packetPeriodNanoseconds
  while Double(Int64(packets) * period) * 1e-9 < scene.duration {
    let sinceStart = Int64(packets) * period
    let packetTime = Double(sinceStart) * 1e-9
    let time = startNanoseconds + sinceStart
    // 600 RPM from azimuth 0 at time 0.
    let turns = Double(sinceStart % 100_000_000) / 100_000_000
    let spin = VelodynePacketWriter.Spin(
      azimuthCentidegrees: 36000 * turns, revolutionsPerSecond: 10)
    let pastHour = UInt32((time / 1000) % 3_600_000_000)
    // Agents move at most a few centimetres within a packet: their bodies are placed once.
    let bodies = scene.agentBoxes(at: packetTime)
    let payload = try writer.writePacket(microsecondsPastHour: pastHour, spin: spin) { firing in
      let firingTime = packetTime + Double(firing.timeOffsetNanoseconds) * 1e-9
      let ego = scene.ego.state(at: firingTime).pose
      let c = cos(ego.yaw)
      let s = sin(ego.yaw)
      let o = firing.origin
      let d = firing.direction
      let origin = (
        x: ego.x + c * Double(o.x) - s * Double(o.y), y: ego.y + s * Double(o.x) + c * Double(o.y),
        z: scene.sensorHeight + Double(o.z)
      )
      let direction = (
        x: c * Double(d.x) - s * Double(d.y), y: s * Double(d.x) + c * Double(d.y), z: Double(d.z)
      )
      let range = scene.cast(
        from: origin, direction: direction, at: firingTime, maximumRange: maximumRange,
        agentBoxes: bodies)
      // The same draws for every ray, hit or not, so one change does not reshuffle the rest.
      let rangeDraw = noise.normal()
      let dropDraw = noise.unit()
      let measured = range.map { $0 + scenario.rangeNoise * rangeDraw }
      guard let measured, measured > 0.5, dropDraw >= scenario.returnDropout else { return .none }
      points += 1
      let intensity: UInt8 = origin.z + direction.z * measured < 0.05 ? 12 : 60
      let only = LaserReturn(distanceMeters: Float(measured), intensity: intensity)
      return FiringReturns(last: only, strongest: only)
    }
    try pcap.write(try data.write(payload: payload), timestampNanoseconds: time)
    packets += 1
    // The ego's receiver, relayed by the sensor at its fix rate: its own error, not the truth.
    let nextFix = Double(fixes) / scenario.egoFixRate
    if packetTime >= nextFix {
      let state = scene.ego.state(at: nextFix)
      let error = receiver.sample(at: nextFix)
      let geo = plane.geodetic(
        ENUPoint(east: state.pose.x + error.east, north: state.pose.y + error.north))
      // Course over ground is noise when standing still: a receiver holds its last one.
      if state.speed > 0.5 { course = state.pose.yaw + error.heading }
      let fix = GNSSFix(
        utcNanoseconds: utc(nextFix), latitude: geo.latitudeDegrees,
        longitude: geo.longitudeDegrees,
        speedMetersPerSecond: max(0, state.speed + error.speed),
        courseDegrees: enuYawToHeading(radiansFromEastCounterClockwise: course))
      let packet = positionWriter.write(microsecondsPastHour: pastHour, ppsStatus: 2, fix: fix)
      try pcap.write(try position.write(payload: packet), timestampNanoseconds: time)
      fixes += 1
    }
  }
  try pcap.close()
  return (packets, points)
}

func writeTruth(_ scenario: Scenario, to path: String) throws -> Int {
  let scene = scenario.scene
  let header = TruthHeader(
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

func manifest(_ scenario: Scenario, pcap: String) -> String {
  """
  # Written by Tools/scenario from scenario.toml (Tools/scenario/regenerate.sh); see README.md.
  name = "\(scenario.scene.name)"
  summary = "synthetic: \(scenario.scene.name), \(scenario.sensor.rawValue), with ground truth"

  [lidar]
  pcap = "\(pcap)"

  [v2x]
  log = "v2x.jsonl"

  [ego]
  \(scenario.egoSource == .gprmc
      ? "# The simulated receiver's GPRMC (\(scenario.egoFixRate) Hz, \(scenario.egoGNSS.positionSigma) m 1σ), relayed by the LiDAR."
      : "# The truth's ego poses at 20 Hz: an ideal GNSS/INS.")
  source = "\(scenario.egoSource.rawValue)"

  [truth]
  file = "truth.jsonl"

  """
}

func readme(_ scenario: Scenario, pcap: String) -> String {
  """
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
  try manifest(scenario, pcap: pcap).write(
    toFile: "\(folder)/drive.toml", atomically: true, encoding: .utf8)
  try readme(scenario, pcap: pcap).write(
    toFile: "\(folder)/README.md", atomically: true, encoding: .utf8)
  print(
    "\(name): \(lidarLine), \(v2x.sent) V2X messages sent, \(v2x.received) received,"
      + " \(samples) truth samples → \(folder)")
}

do {
  try run()
} catch {
  FileHandle.standardError.write(Data("sightline-scenario: \(error)\n".utf8))
  exit(1)
}
