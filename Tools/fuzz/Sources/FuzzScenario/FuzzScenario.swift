// FuzzScenario: the scenario file (ScenarioFile.parse: SightlineTOML's reader, `base` merged
// under the file key by key, then every section's keys, types and ranges, and the trajectories
// integrated up front), as `sightline-scenario` reads Replay/*/scenario.toml.
//
// Input: the text of a scenario file. Bytes that are not UTF-8 stop where the generator stops
// (String(contentsOfFile:encoding:.utf8) fails), after TOMLReader.parse(bytes:) has refused them.
// `base = "base.toml"` reads a fixed small valid scenario (`Base.text`), so the merge is
// exercised; any other base path fails to read, as a missing file does.
// An accepted file must hold what the generator relies on (`check`): a duration in (0, 3600] s,
// finite states with a speed ≥ 0 for every mover over the whole drive, sizes above 0,
// probabilities in [0, 1], finite noise; a violation traps like a crash. A refused one must
// throw a ScenarioFileError that names the file.

import CFuzzer
import SightlineScenario
import SightlineTOML

/// SwiftPM links `main` to `FuzzScenario_main`; libFuzzer's driver takes it from there.
@_cdecl("FuzzScenario_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt
{
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzScenario)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  let bytes = UnsafeBufferPointer(start: data, count: size)
  guard let text = String(validating: bytes, as: UTF8.self) else {
    precondition((try? TOMLReader.parse(bytes: bytes)) == nil, "non-UTF-8 bytes were read")
    return 0
  }
  let scenario: Scenario
  do {
    scenario = try ScenarioFile.parse(text, file: Base.file, read: Base.read)
  } catch {
    guard let error = error as? ScenarioFileError else {
      preconditionFailure("not a ScenarioFileError: \(error)")
    }
    precondition(!error.description.isEmpty && error.line >= 0)
    precondition(error.file == Base.file, "the error names \(error.file): \(error)")
    return 0
  }
  check(scenario)
  return 0
}

enum Base {
  static let file = "fuzz.toml"
  static let name = "base.toml"

  struct Missing: Error {}

  static func read(_ path: String) throws -> String {
    guard path == name else { throw Missing() }
    return text
  }

  /// Every section, an agent with motion and GNSS, a box: what a `base` usually gives.
  static let text = """
    name = "base"
    summary = "the fuzzer's base"
    duration_s = 6.0
    seed = 11
    origin = { latitude = 40.4168, longitude = -3.7038, height_m = 650.0 }

    [lidar]
    sensor = "VLP-16"
    returns = "dual"
    height_m = 1.9
    range_noise_m = 0.02
    dropout = 0.01

    [radio]
    latency_ms = 80
    jitter_ms = 20
    loss = 0.1
    burst_length = 3
    duplicate_rate = 0.03
    dropouts_s = [[1.0, 1.5]]
    sender_clock_offset_ms = 40
    message_rate_hz = 10
    range_m = 300

    [ego]
    source = "gprmc"
    start = { x = 1.75, y = -40.0, heading_deg = 90.0, speed = 8.0 }
    motion = [ { for_s = 2.0 }, { for_s = 2.0, accel = -4.0 } ]
    gnss = { rate_hz = 10, white_m = 0.05, bias_m = 0.8, bias_time_s = 60 }

    [[box]]
    name = "van"
    x = 4.5
    y = -14.0
    yaw_deg = 90.0
    length = 5.5
    width = 2.1
    height = 2.6

    [[agent]]
    id = "50454432"
    kind = "pedestrian"
    size = { length = 0.5, width = 0.5, height = 1.7 }
    clock_offset_ms = -20
    start = { x = 4.6, y = -9.6, heading_deg = 180.0, speed = 0.0 }
    motion = [ { for_s = 2.5 }, { for_s = 1.0, accel = 1.4 }, { for_s = 0.8, yaw_rate_deg = -30 } ]
    gnss = { white_m = 0.8, bias_m = 2.0, bias_time_s = 20, speed_sigma = 0.2 }

    """
}

/// What an accepted file promises the generator.
func check(_ scenario: Scenario) {
  let scene = scenario.scene
  let duration = scene.duration
  precondition(duration > 0 && duration <= 3600, "duration \(duration)")
  let origin = scene.origin
  precondition(abs(origin.latitude) <= 90 && abs(origin.longitude) <= 180, "origin \(origin)")
  precondition(origin.height.isFinite)
  precondition(positive(scene.sensorHeight), "sensor height \(scene.sensorHeight)")
  let times = [0, duration * 0.25, duration * 0.5, duration * 0.999, duration]
  check(scene.ego, times, "ego")
  for box in scene.buildings {
    precondition(finite(box.center), "box at \(box.center)")
    precondition(positive(box.length) && positive(box.width) && positive(box.height), "\(box)")
  }
  for agent in scene.agents {
    precondition(positive(agent.length) && positive(agent.width) && positive(agent.height))
    check(agent.trajectory, times, "agent \(agent.id)")
    check(agent.gnss, "agent \(agent.id)")
    precondition(agent.clockOffset.isFinite)
    for time in times {
      let body = agent.box(at: time)
      precondition(finite(body.center), "agent \(agent.id) at \(time): \(body.center)")
    }
  }
  check(scenario.egoGNSS, "ego")
  precondition(positive(scenario.egoFixRate), "fix rate \(scenario.egoFixRate)")
  precondition(scenario.rangeNoise >= 0 && scenario.rangeNoise <= 1, "\(scenario.rangeNoise) m")
  precondition(probability(scenario.returnDropout), "dropout \(scenario.returnDropout)")
  precondition(positive(scenario.messageRate) && positive(scenario.radioRange))

  let link = scenario.link
  for p in [link.pGoodToBad, link.pBadToGood, link.lossGood, link.lossBad, link.duplicateRate] {
    precondition(probability(p), "a link probability of \(p): \(link)")
  }
  precondition(link.latency.isFinite && link.latency >= 0, "latency \(link.latency)")
  precondition(link.jitter.isFinite && link.jitter >= 0, "jitter \(link.jitter)")
  precondition(link.senderClockOffset.isFinite)
  for dropout in link.dropouts {
    precondition(dropout.lowerBound.isFinite && dropout.upperBound.isFinite, "\(dropout)")
  }
  var channel = RadioChannel(link: link, seed: scenario.seed)
  for time in times {
    for arrival in channel.deliver(sentAt: time) {
      precondition(arrival.isFinite && arrival > time, "sent at \(time), arrived at \(arrival)")
    }
  }
  checkRig(scenario)
}

/// A rig ([[lidar.sensor]]): distinct names and ports, one relay of the GNSS receiver at most
/// (one when the ego's pose is its GPRMC), finite mounts above the ground, whole rpm, blocked
/// sectors and windows that run forwards, a finite antenna.
func checkRig(_ scenario: Scenario) {
  let sensors = scenario.sensors
  precondition(!sensors.isEmpty)
  precondition(Set(sensors.map(\.name)).count == sensors.count, "names \(sensors.map(\.name))")
  let ports = sensors.flatMap { [$0.port] + ($0.positionPort.map { [$0] } ?? []) }
  precondition(Set(ports).count == ports.count, "ports \(ports)")
  let relays = sensors.filter { $0.positionPort != nil }.count
  precondition(relays <= 1 && (scenario.egoSource == .truth || relays == 1), "\(relays) relays")
  for sensor in sensors {
    let m = sensor.mount
    precondition(
      [m.x, m.y, m.roll, m.pitch, m.yaw].allSatisfy(\.isFinite) && positive(m.z), "mount \(m)")
    precondition((300...1200).contains(sensor.rpm), "rpm \(sensor.rpm)")
    precondition(
      sensor.phaseDegrees >= 0 && sensor.phaseDegrees < 360, "phase \(sensor.phaseDegrees)")
    for blockage in sensor.blockages {
      precondition(blockage.toDegrees > blockage.fromDegrees, "sector \(blockage)")
      precondition(blockage.end > blockage.start && blockage.start >= 0, "window \(blockage)")
    }
  }
  let antenna = scenario.gnssAntenna
  precondition(antenna.x.isFinite && antenna.y.isFinite && antenna.z.isFinite, "\(antenna)")
}

func check(_ trajectory: Trajectory, _ times: [Double], _ who: String) {
  for time in times {
    let state = trajectory.state(at: time)
    precondition(finite(state.pose), "\(who) at \(time): \(state.pose)")
    precondition(state.speed.isFinite && state.speed >= 0, "\(who) at \(time): \(state.speed) m/s")
    precondition(state.yawRate.isFinite && state.acceleration.isFinite, "\(who) at \(time)")
  }
}

func check(_ gnss: GNSSError, _ who: String) {
  for sigma in [gnss.whiteSigma, gnss.biasSigma, gnss.speedSigma, gnss.headingSigma] {
    precondition(sigma.isFinite && sigma >= 0, "\(who): a GNSS sigma of \(sigma)")
  }
  precondition(positive(gnss.biasTime), "\(who): bias time \(gnss.biasTime)")
  var track = GNSSErrorTrack(model: gnss, seed: 1)
  for time in [0.0, 0.1, 30] {
    let sample = track.sample(at: time)
    precondition(
      sample.east.isFinite && sample.north.isFinite && sample.speed.isFinite
        && sample.heading.isFinite, "\(who): GNSS error \(sample)")
  }
}

func finite(_ pose: Pose2D) -> Bool { pose.x.isFinite && pose.y.isFinite && pose.yaw.isFinite }
func positive(_ value: Double) -> Bool { value.isFinite && value > 0 }
func probability(_ value: Double) -> Bool { value >= 0 && value <= 1 }
