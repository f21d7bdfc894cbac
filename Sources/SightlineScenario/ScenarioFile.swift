// ScenarioFile: reads a scenario from TOML (docs/SCENARIOS.md). Strict: an unknown key, a
// missing one or an impossible value (a negative size, NaN, a speed below zero) is an error
// naming the file, the line and the key.

import SightlineTOML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

public struct ScenarioFile {
  let file: String
  let lines: [Substring]

  /// Reads `text` (the file `file`). `base`, when the file names one, is read through `read`
  /// with its path as written (relative to this file's folder: the caller resolves it).
  public static func parse(
    _ text: String, file: String, read: (String) throws -> String = { _ in "" }
  ) throws -> Scenario {
    var root = try table(text, file: file)
    if let base = root["base"] {
      guard let path = base.string else {
        throw ScenarioFile(file: file, text: text).error("base", "must be a string (a path)")
      }
      let baseText: String
      do { baseText = try read(path) } catch {
        throw ScenarioFile(file: file, text: text).error("base", "cannot read \(path): \(error)")
      }
      root = merge(try table(baseText, file: path), over: root)
    }
    return try ScenarioFile(file: file, text: text).scenario(root)
  }

  init(file: String, text: String) {
    self.file = file
    lines = text.split(separator: "\n", omittingEmptySubsequences: false)
  }

  static func table(_ text: String, file: String) throws -> TOMLTable {
    do { return try TOMLReader.parse(text) } catch {
      throw ScenarioFileError(file: file, line: error.line, key: "", problem: error.message)
    }
  }

  /// `top` over `base`: tables merge key by key, anything else (arrays of boxes or agents
  /// included) is replaced; `base` itself is dropped.
  static func merge(_ base: TOMLTable, over top: TOMLTable) -> TOMLTable {
    var merged = TOMLTable()
    for key in base.keys where key != "base" {
      if let mine = top[key] {
        if let a = base[key]?.table, let b = mine.table {
          merged.set(key, .table(merge(a, over: b)))
        } else {
          merged.set(key, mine)
        }
      } else {
        merged.set(key, base[key]!)
      }
    }
    for key in top.keys where key != "base" && base[key] == nil { merged.set(key, top[key]!) }
    return merged
  }

  // MARK: The sections

  func scenario(_ root: TOMLTable) throws -> Scenario {
    let top = ScenarioKeys(self, root, path: "")
    try top.allow([
      "name", "summary", "duration_s", "seed", "origin", "lidar", "radio", "ego", "box", "agent",
    ])
    // An hour at most: the trajectories are integrated at 5 ms steps up front.
    let duration = try top.double("duration_s", above: 0)
    guard duration <= 3600 else { throw top.fail("duration_s", "at most 3600 s, not \(duration)") }
    // And so is every mover's (48 bytes a step): the movers' time in all is bounded too, or a
    // few kilobytes of agents would take gigabytes and seconds before anything is checked.
    let agentTables = try top.tables("agent")
    let motion = duration * Double(agentTables.count + 1)
    guard motion <= Self.motionLimit else {
      throw top.fail(
        "duration_s",
        "\(duration) s for the ego and \(agentTables.count) agents is \(motion) s of motion, more"
          + " than the \(Self.motionLimit) s integrated up front (5 ms steps): shorten the drive"
          + " or drop agents")
    }
    let originKeys = try top.table("origin")
    try originKeys.allow(["latitude", "longitude", "height_m"])
    let origin = (
      latitude: try originKeys.double("latitude", from: -90, to: 90),
      longitude: try originKeys.double("longitude", from: -180, to: 180),
      height: try originKeys.double("height_m", from: -1000, to: 10_000)
    )
    let egoKeys = try top.table("ego")
    try egoKeys.allow(["source", "start", "motion", "gnss", "gnss_antenna", "localization"])
    let ego = try trajectory(egoKeys, until: duration)
    var boxes: [Box] = []
    for (index, box) in try top.tables("box").enumerated() {
      boxes.append(try self.box(box, index: index))
    }
    var agents: [Agent] = []
    for agentKeys in agentTables { agents.append(try agent(agentKeys, until: duration)) }
    let lidar = try top.table("lidar")
    let scene = Scene(
      name: try top.string("name"), origin: origin, duration: duration, buildings: boxes,
      agents: agents, ego: ego, sensorHeight: try lidar.double("height_m", above: 0, default: 1.9))
    let seed = try top.integer("seed")
    var scenario = Scenario(
      scene: scene, link: try link(try top.table("radio")), seed: UInt64(seed))
    scenario.summary = try top.string("summary", default: "")
    scenario.egoSource = try egoKeys.choice("source", Scenario.EgoSource.self, default: .gprmc)
    try self.lidar(lidar, into: &scenario)
    try radioRates(try top.table("radio"), into: &scenario)
    let (gnss, rate) = try receiver(egoKeys, fixRate: true)
    scenario.egoGNSS = gnss
    scenario.egoFixRate = rate
    scenario.gnssAntenna = try gnssAntenna(egoKeys)
    scenario.egoLocalization = try localization(egoKeys, source: scenario.egoSource)
    return scenario
  }

  /// The ego's localization (`localization = {…}`), only with `source = "localization"`.
  func localization(_ keys: ScenarioKeys, source: Scenario.EgoSource) throws
    -> EgoLocalization.Model
  {
    var model = EgoLocalization.Model()
    guard keys.has("localization") else { return model }
    guard source == .localization else {
      throw keys.fail("localization", "only with source = \"localization\"")
    }
    let table = try keys.table("localization")
    try table.allow([
      "rate_hz", "white_m", "bias_m", "bias_time_s", "yaw_sigma_deg", "speed_sigma", "latency_ms",
    ])
    model.rate = try table.double("rate_hz", from: 1, to: 1000, default: model.rate)
    model.whiteSigma = try table.double("white_m", from: 0, to: 10, default: model.whiteSigma)
    model.biasSigma = try table.double("bias_m", from: 0, to: 10, default: model.biasSigma)
    model.biasTime = try table.double("bias_time_s", above: 0, default: model.biasTime)
    model.yawSigma =
      try table.double("yaw_sigma_deg", from: 0, to: 30, default: 0.1) * .pi / 180
    model.speedSigma = try table.double("speed_sigma", from: 0, to: 10, default: model.speedSigma)
    model.latency = try table.double("latency_ms", from: 0, to: 10_000, default: 10) / 1000
    return model
  }

  /// The most seconds of motion (the duration times the ego and the agents) a file may ask for:
  /// 2.9 M integrated states, about 140 MB. An hour with the ego and three agents, ten minutes
  /// with 24 movers.
  static let motionLimit = 14_400.0

  func lidar(_ keys: ScenarioKeys, into scenario: inout Scenario) throws {
    try keys.allow(["sensor", "returns", "height_m", "range_noise_m", "dropout", "from"])
    let rig = Self.isRig(keys)
    if !rig { scenario.sensor = try keys.choice("sensor", Scenario.Sensor.self, default: .vlp16) }
    scenario.returns = try keys.choice("returns", Scenario.Returns.self, default: .strongest)
    scenario.rangeNoise = try keys.double("range_noise_m", from: 0, to: 1, default: 0.02)
    scenario.returnDropout = try keys.double("dropout", from: 0, to: 0.99, default: 0)
    if rig {
      // Several LiDARs at their mounts ([[lidar.sensor]]); the first is the rig's frame sensor.
      scenario.rig = try self.rig(keys, returns: scenario.returns, egoSource: scenario.egoSource)
      scenario.sensor = scenario.rig[0].model
      scenario.scene.sensorHeight = scenario.rig[0].mount.z
      return
    }
    scenario.lidarFrom = keys.has("from") ? try keys.string("from") : nil
  }

  static let radioKeys = [
    "latency_ms", "jitter_ms", "loss", "burst_length", "duplicate_rate", "dropouts_s",
    "sender_clock_offset_ms", "message_rate_hz", "range_m",
  ]

  func link(_ keys: ScenarioKeys) throws -> RadioLink {
    try keys.allow(Self.radioKeys)
    let loss = try keys.double("loss", from: 0, to: 0.95, default: 0)
    let burstLength = try keys.double("burst_length", from: 1, to: 1000, default: 1)
    var link = RadioLink.bursty(
      latency: try keys.double("latency_ms", from: 0, to: 10_000) / 1000,
      jitter: try keys.double("jitter_ms", from: 0, to: 10_000, default: 0) / 1000, loss: loss,
      burstLength: burstLength)
    if loss == 0 { link.pGoodToBad = 0 }
    // Bursts of `burstLength` messages on average between good runs of at least one: no more
    // than burstLength / (burstLength + 1) can be lost (beyond it the chance of going bad would
    // be above 1, and the link would lose less than it says).
    guard link.pGoodToBad <= 1 else {
      throw keys.fail(
        "loss",
        "\(loss) cannot be lost in bursts of \(burstLength) messages on average: at most"
          + " \(burstLength / (burstLength + 1)) (burst_length / (burst_length + 1));"
          + " raise burst_length")
    }
    link.duplicateRate = try keys.double("duplicate_rate", from: 0, to: 1, default: 0)
    link.senderClockOffset =
      try keys.double("sender_clock_offset_ms", from: -60_000, to: 60_000, default: 0) / 1000
    for (index, value) in (try keys.array("dropouts_s", default: [])).enumerated() {
      let key = "dropouts_s[\(index)]"
      guard let pair = value.array, pair.count == 2, let from = pair[0].number,
        let to = pair[1].number, from.isFinite, to.isFinite, from <= to
      else { throw error(keys.path + key, "must be [from, to] in seconds, from ≤ to") }
      link.dropouts.append(from...to)
    }
    return link
  }

  func radioRates(_ keys: ScenarioKeys, into scenario: inout Scenario) throws {
    scenario.messageRate = try keys.double("message_rate_hz", from: 0.1, to: 100, default: 10)
    scenario.radioRange = try keys.double("range_m", above: 0, default: 300)
  }

  func box(_ keys: ScenarioKeys, index: Int) throws -> Box {
    try keys.allow(["name", "x", "y", "yaw_deg", "length", "width", "height"])
    _ = try keys.string("name", default: "")
    return Box(
      center: Pose2D(
        x: try keys.double("x"), y: try keys.double("y"),
        yaw: try keys.double("yaw_deg", from: -360, to: 360, default: 0) * .pi / 180),
      length: try keys.double("length", above: 0), width: try keys.double("width", above: 0),
      height: try keys.double("height", above: 0))
  }

  func agent(_ keys: ScenarioKeys, until end: Double) throws -> Agent {
    try keys.allow([
      "id", "kind", "size", "equipped", "clock_offset_ms", "start", "motion", "gnss",
    ])
    let idText = try keys.string("id")
    guard idText.count == 8, let id = UInt32(idText, radix: 16) else {
      throw error(keys.path + "id", "must be the temporary id as 8 hexadecimal digits")
    }
    let size = try keys.table("size")
    try size.allow(["length", "width", "height"])
    return Agent(
      id: id, kind: try keys.choice("kind", AgentKind.self),
      length: try size.double("length", above: 0), width: try size.double("width", above: 0),
      height: try size.double("height", above: 0), trajectory: try trajectory(keys, until: end),
      equipped: try keys.bool("equipped", default: true),
      gnss: try receiver(keys, fixRate: false).gnss,
      clockOffset: try keys.double("clock_offset_ms", from: -60_000, to: 60_000, default: 0) / 1000)
  }

  func trajectory(_ keys: ScenarioKeys, until end: Double) throws -> Trajectory {
    let start = try keys.table("start")
    try start.allow(["x", "y", "heading_deg", "speed"])
    var segments: [Trajectory.Segment] = []
    for segment in try keys.tables("motion", inline: true) {
      try segment.allow(["for_s", "accel", "yaw_rate_deg"])
      segments.append(
        .init(
          duration: try segment.double("for_s", above: 0),
          acceleration: try segment.double("accel", from: -12, to: 12, default: 0),
          yawRate: try segment.double("yaw_rate_deg", from: -720, to: 720, default: 0) * .pi / 180))
    }
    return Trajectory(
      start: Pose2D(
        x: try start.double("x"), y: try start.double("y"),
        yaw: try start.double("heading_deg", from: -360, to: 360) * .pi / 180),
      speed: try start.double("speed", from: 0, to: 100, default: 0), segments: segments,
      until: end)
  }

  /// A receiver's error (`gnss = {…}`); the ego's also has its fix rate.
  func receiver(_ keys: ScenarioKeys, fixRate: Bool) throws -> (gnss: GNSSError, rate: Double) {
    guard keys.has("gnss") else { return (GNSSError(), 10) }
    let gnss = try keys.table("gnss")
    var allowed = [
      "white_m", "bias_m", "bias_time_s", "speed_sigma", "heading_sigma_deg",
    ]
    if fixRate { allowed.append("rate_hz") }
    try gnss.allow(allowed)
    var error = GNSSError()
    error.whiteSigma = try gnss.double("white_m", from: 0, to: 50, default: 0)
    error.biasSigma = try gnss.double("bias_m", from: 0, to: 50, default: 0)
    error.biasTime = try gnss.double("bias_time_s", above: 0, default: 30)
    error.speedSigma = try gnss.double("speed_sigma", from: 0, to: 10, default: 0)
    error.headingSigma =
      try gnss.double("heading_sigma_deg", from: 0, to: 180, default: 0) * .pi / 180
    let rate = fixRate ? try gnss.double("rate_hz", from: 0.1, to: 100, default: 10) : 10
    return (error, rate)
  }

  // MARK: Errors with lines

  func error(_ key: String, _ problem: String) -> ScenarioFileError {
    ScenarioFileError(file: file, line: line(of: key), key: key, problem: problem)
  }

  /// The line a dotted key with indices (`agent[1].motion[2].accel`) is on: its section's
  /// header (the n-th `[[agent]]`), then each key after it; an index into an inline array counts
  /// the array's inline tables. 0 when it is not written (a missing key: its section's line).
  func line(of key: String) -> Int {
    var at = 0  // index into lines of where the search is
    var found = 0
    var parts = key.split(separator: ".").map(String.init)[...]
    // The sections: `[[name]]`'s n-th occurrence or `[name]`, then tables under it
    // (`[[lidar.sensor]]`, then `[[lidar.sensor.blockage]]` counted from that sensor's header).
    var section = ""
    while let first = parts.first {
      let (name, index) = Self.split(first)
      let dotted = section.isEmpty ? name : section + "." + name
      let header = index == nil ? "[\(dotted)]" : "[[\(dotted)]]"
      // A key without an index names the first of its tables too (`lidar.sensor`).
      let headers = (at..<lines.count).filter {
        let text = lines[$0].trimmingSpaces()
        return text.hasPrefix(header) || (index == nil && text.hasPrefix("[[\(dotted)]]"))
      }
      guard (index ?? 0) < headers.count else {
        // `[lidar]` may be left unwritten above its `[[lidar.sensor]]` tables.
        let deeper = lines[at...].contains {
          let text = $0.trimmingSpaces()
          return text.hasPrefix("[\(dotted).") || text.hasPrefix("[[\(dotted).")
        }
        guard index == nil, deeper else { break }
        section = dotted
        parts = parts.dropFirst()
        continue
      }
      at = headers[index ?? 0]
      found = at + 1
      section = dotted
      parts = parts.dropFirst()
    }
    // A key inside an inline table (`mount = { … }`) is looked for there only.
    var end = lines.count
    for part in parts {
      let (name, index) = Self.split(part)
      guard let number = (at..<end).first(where: { Self.assigns(lines[$0], name) }) else {
        return found
      }
      at = number
      found = number + 1
      if index == nil, lines[number].contains("{") {
        var depth = 0
        for candidate in number..<end {
          depth += lines[candidate].filter { $0 == "{" }.count
          depth -= lines[candidate].filter { $0 == "}" }.count
          if depth <= 0 {
            end = candidate + 1
            break
          }
        }
      }
      if let index {
        var braces = -1
        for candidate in at..<lines.count {
          braces += lines[candidate].filter { $0 == "{" }.count
          if braces >= index {
            at = candidate
            found = candidate + 1
            break
          }
        }
      }
    }
    return found
  }

  static func split(_ part: String) -> (String, Int?) {
    guard let open = part.firstIndex(of: "["), part.hasSuffix("]") else { return (part, nil) }
    return (
      String(part[..<open]), Int(part[part.index(after: open)..<part.index(before: part.endIndex)])
    )
  }

  /// Whether `line` assigns `key` (as `key =`, at the start, after `{` or `,`).
  static func assigns(_ line: Substring, _ key: String) -> Bool {
    let text = Array(line)
    let name = Array(key)
    guard name.count <= text.count else { return false }
    for start in 0...(text.count - name.count) where Array(text[start..<start + name.count]) == name
    {
      let before = start == 0 ? " " : text[start - 1]
      let after = text[(start + name.count)...].drop(while: { $0 == " " || $0 == "\t" })
      if " {,\t".contains(before), after.first == "=" { return true }
    }
    return false
  }
}

extension Substring {
  fileprivate func trimmingSpaces() -> Substring {
    drop(while: { $0 == " " || $0 == "\t" })
  }
}

extension TOMLValue {
  /// Floats and integers alike.
  var number: Double? { double ?? int.map(Double.init) }
}
