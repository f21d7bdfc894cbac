import Foundation
import Testing

@testable import SightlineScenario

@Suite struct ScenarioFileTests {
  static let minimal = """
    name = "t"
    duration_s = 4.0
    seed = 7
    origin = { latitude = 40.0, longitude = -3.0, height_m = 600.0 }

    [lidar]
    sensor = "VLS-128"

    [radio]
    latency_ms = 100

    [ego]
    start = { x = 0.0, y = 0.0, heading_deg = 90.0, speed = 2.0 }

    [[box]]
    x = 10.0
    y = 0.0
    length = 2.0
    width = 3.0
    height = 4.0

    [[agent]]
    id = "0000abcd"
    kind = "vehicle"
    size = { length = 4.5, width = 1.8, height = 1.5 }
    start = { x = 0.0, y = 20.0, heading_deg = 0.0, speed = 10.0 }
    motion = [
      { for_s = 1.0, accel = -2.0 },
      { for_s = 1.0, yaw_rate_deg = 10.0 },
    ]
    gnss = { white_m = 0.3, bias_m = 0.4 }

    """

  @Test func aMinimalFileReadsWithItsDefaults() throws {
    let scenario = try ScenarioFile.parse(Self.minimal, file: "t.toml")
    #expect(scenario.scene.name == "t" && scenario.sensor == .vls128 && scenario.seed == 7)
    #expect(scenario.link.latency == 0.1 && scenario.link.pGoodToBad == 0)
    #expect(scenario.scene.buildings.count == 1 && scenario.scene.agents.count == 1)
    let agent = scenario.scene.agents[0]
    #expect(agent.id == 0xABCD && agent.kind == .vehicle)
    #expect(abs(agent.gnss.positionSigma - 0.5) < 1e-12)
    #expect(abs(agent.trajectory.state(at: 1).speed - 8) < 1e-9)
    #expect(scenario.egoSource == .gprmc && scenario.rangeNoise == 0.02)
  }

  /// Every bad value names the file, the line and the key: (text, its replacement, the error).
  @Test(arguments: [
    ("length = 4.5,", "length = -4.5,", "t.toml:25: agent[0].size.length: must be above 0"),
    ("length = 4.5,", "length = nan,", "t.toml:25: agent[0].size.length: must be finite"),
    ("speed = 10.0 }", "speed = -1.0 }", "t.toml:26: agent[0].start.speed: -1.0 is outside"),
    ("\"vehicle\"", "\"tank\"", "t.toml:24: agent[0].kind: unknown value \"tank\""),
    ("for_s = 1.0, yaw", "for_s = 0.0, yaw", "t.toml:29: agent[0].motion[1].for_s: must be above"),
    ("height = 4.0\n", "height = 4.0\ncolour = 1\n", "t.toml:21: box[0].colour: unknown key"),
    ("latency_ms = 100", "latency = 100", "t.toml:10: radio.latency: unknown key"),
    ("duration_s = 4.0", "duration_s = 1e9", "t.toml:2: duration_s: at most 3600 s"),
    ("seed = 7", "seed = -7", "t.toml:3: seed: must be a non-negative integer"),
    ("\"0000abcd\"", "\"abcd\"", "t.toml:23: agent[0].id: must be the temporary id as 8"),
    // Tools/fuzz's scenario harness: a yaw of 1e308° became an infinite one (box-yaw-overflow).
    ("height = 4.0\n", "height = 4.0\nyaw_deg = 1e308\n", "t.toml:21: box[0].yaw_deg: 1e+308 is"),
    // Tools/fuzz's scenario harness: bursts of 1 cannot lose 60%; the link lost 50%, with a
    // chance above 1 of going bad (radio-loss-beyond-bursts).
    (
      "latency_ms = 100", "latency_ms = 100\nloss = 0.6",
      "t.toml:11: radio.loss: 0.6 cannot be lost in bursts of 1.0 messages on average: at most 0.5"
    ),
  ])
  func badValuesNameTheFileLineAndKey(_ original: String, _ replacement: String, _ expected: String)
    throws
  {
    var text = Self.minimal
    let range = try #require(text.range(of: original, options: .backwards))
    text.replaceSubrange(range, with: replacement)
    let error = try #require(throws: ScenarioFileError.self) {
      try ScenarioFile.parse(text, file: "t.toml")
    }
    #expect(error.description.hasPrefix(expected), "\(error.description)")
  }

  @Test func aMissingKeyAndBadTOMLAreErrorsToo() throws {
    let missing = Self.minimal.replacingOccurrences(of: "duration_s = 4.0\n", with: "")
    let error = try #require(throws: ScenarioFileError.self) {
      try ScenarioFile.parse(missing, file: "t.toml")
    }
    #expect(error.key == "duration_s" && error.problem == "missing")
    let broken = try #require(throws: ScenarioFileError.self) {
      try ScenarioFile.parse("name = \n", file: "t.toml")
    }
    #expect(broken.line == 1 && broken.file == "t.toml")
  }

  /// Every mover is integrated up front: 4 KB of agents for an hour each once took 1.7 GB and
  /// seconds (Tools/fuzz's seed edge-too-much-motion).
  @Test func theMoversTimeInAllIsBounded() throws {
    let agent = String(Self.minimal[Self.minimal.range(of: "[[agent]]")!.lowerBound...])
    let hour = Self.minimal.replacingOccurrences(of: "duration_s = 4.0", with: "duration_s = 3600")
    let ok = try ScenarioFile.parse(hour + agent + agent, file: "t.toml")
    #expect(ok.scene.agents.count == 3 && ok.scene.duration == 3600)
    let error = try #require(throws: ScenarioFileError.self) {
      try ScenarioFile.parse(hour + agent + agent + agent + agent, file: "t.toml")
    }
    #expect(error.line == 2 && error.key == "duration_s")
    #expect(error.problem.hasPrefix("3600.0 s for the ego and 5 agents is 21600.0 s of motion"))
  }

  @Test func aBaseFileIsOverriddenKeyByKey() throws {
    let top = """
      base = "minimal.toml"
      name = "u"
      [radio]
      loss = 0.3
      """
    let scenario = try ScenarioFile.parse(top, file: "u.toml") { _ in Self.minimal }
    #expect(scenario.scene.name == "u" && scenario.link.latency == 0.1)
    #expect(scenario.link.pGoodToBad > 0 && scenario.scene.agents.count == 1)
  }

  /// The bundled scenarios read, and their noise is there: not the straight, exact lines the
  /// first synthetic drives had.
  @Test func everyBundledScenarioReadsAndIsNoisy() throws {
    let names = BundledScenario.names
    #expect(names.count >= 4, "\(names)")
    for name in names {
      let scenario = try BundledScenario.load(name)
      #expect(scenario.scene.name == name)
      #expect(scenario.rangeNoise > 0)
      for agent in scenario.scene.agents where agent.equipped {
        #expect(agent.gnss.positionSigma >= 0.5, "\(name) \(agent.id)")
        #expect(agent.gnss.biasSigma > 0, "\(name) \(agent.id): a bias that wanders")
      }
      // The rig's ego is its localization; its receiver still sends GPRMC.
      #expect(scenario.egoSource == (name == "rig" ? .localization : .gprmc), "\(name)")
      #expect(scenario.egoGNSS.positionSigma > 0)
      // Somebody brakes or turns in every drive.
      #expect(
        scenario.scene.agents.contains {
          $0.trajectory.segments.contains { $0.acceleration < 0 || $0.yawRate != 0 }
        }, "\(name)")
    }
  }

  @Test func gnssErrorHasItsStatedSpreadAndWandersSlowly() {
    var model = GNSSError()
    model.whiteSigma = 0.5
    model.biasSigma = 2
    model.biasTime = 20
    var track = GNSSErrorTrack(model: model, seed: 1)
    var squares = 0.0
    var lagProduct = 0.0
    var previous = track.sample(at: 0).east
    let count = 200_000
    for step in 1...count {
      let east = track.sample(at: Double(step) * 0.1).east
      squares += east * east
      lagProduct += east * previous
      previous = east
    }
    let variance = squares / Double(count)
    #expect(abs(variance.squareRoot() - model.positionSigma) < 0.1 * model.positionSigma)
    // Neighbouring fixes 0.1 s apart share the bias: correlation ≈ 4 / 4.25 e^(−0.005).
    let correlation = lagProduct / squares
    #expect(abs(correlation - 4 / 4.25 * exp(-0.005)) < 0.03)
  }
}

/// What docs/SCENARIOS.md says of the bundled files: its table's GNSS figures and its example
/// error, checked against the files themselves.
@Suite struct ScenarioDocsTests {
  /// Per drive: duration, agents, and each kind's reported 1σ (m, two decimals).
  static let table: [String: (Double, Int, [AgentKind: Set<Double>], Double)] = [
    "blind-intersection": (
      12, 5, [.vehicle: [0.85], .pedestrian: [1.58, 1.62], .cyclist: [1.34]], 0.5
    ),
    "urban": (14, 9, [.vehicle: [1.26], .pedestrian: [2.15], .cyclist: [1.62]], 0.8),
    "highway": (8, 11, [.vehicle: [0.78]], 0.5),
    // The child has no radio (no GNSS error: 0).
    "rig": (4.5, 5, [.vehicle: [1.26], .pedestrian: [0, 2.15], .cyclist: [1.62]], 0.8),
  ]

  @Test func theTableIsTheFiles() throws {
    for (name, (duration, agents, sigmas, egoBias)) in Self.table {
      let scenario = try BundledScenario.load(name)
      #expect(
        scenario.scene.duration == duration && scenario.scene.agents.count == agents, "\(name)")
      var found: [AgentKind: Set<Double>] = [:]
      for agent in scenario.scene.agents {
        found[agent.kind, default: []].insert((agent.gnss.positionSigma * 100).rounded() / 100)
      }
      #expect(found == sigmas, "\(name)")
      #expect(scenario.egoGNSS.biasSigma == egoBias && scenario.egoFixRate == 10, "\(name)")
    }
  }

  @Test func theExampleErrorIsWhatTheReaderSays() throws {
    let path = BundledScenario.replay.appendingPathComponent("urban/scenario.toml").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let range = try #require(text.range(of: "size = { length = 0.5,"))
    let broken = text.replacingCharacters(in: range, with: "size = { length = -0.5,")
    let error = try #require(throws: ScenarioFileError.self) {
      try ScenarioFile.parse(broken, file: "Replay/urban/scenario.toml") { _ in "" }
    }
    let docs = try String(
      contentsOfFile: BundledScenario.replay.deletingLastPathComponent()
        .appendingPathComponent("docs/SCENARIOS.md").path, encoding: .utf8)
    #expect(docs.contains("`\(error.description)`"), "\(error.description)")
  }
}
