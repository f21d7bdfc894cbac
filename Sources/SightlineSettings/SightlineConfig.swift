// SightlineSettings: the runtime's configuration, which SightlinePipeline re-exports. This file is the
// config itself: typed settings, their defaults, and a strict TOML loader that names the file and key of any
// unknown key or bad value, so that a typo never silently falls back to a default.

import Foundation
import SightlineLidar
import SightlineTOML

public struct SightlineConfig: Sendable, Equatable {
  public struct Lidar: Sendable, Equatable {
    public init() {}
    /// nil: take the model from each packet's product byte (Velodyne). A Velodyne model
    /// overrides the product byte; a Hesai model selects Hesai's decoder (with its
    /// calibration CSV).
    public var model: LidarModel? = nil
    /// VeloView `.xml` or ros-drivers/nebula `.yaml`; needs `model`. Built-in tables otherwise.
    public var calibrationPath: String? = nil
    /// An Ouster sensor's metadata JSON (as the sensor and ouster-sdk write it): the stream is
    /// Ouster's, laid out as the file says.
    public var metadataPath: String? = nil
    /// BPF filter applied when reading captures (for example "udp and host 192.168.1.201").
    public var captureFilter: String? = nil
    public var cutAngleDegrees: Double = 0
    public var minRangeMeters: Double = 0.1
    public var maxRangeMeters: Double = 200
    /// `[[lidar.sensor]]` tables; empty: one sensor from the keys above (`rig`).
    public var sensors: [LidarSensorConfig] = []
    /// The sensor whose sweeps close frames (the others' sweeps join the next frame to close);
    /// nil: the first enabled sensor.
    public var frameSensor: String? = nil
  }
  /// The vehicle the sensors ride on; its frame is REP 105's `base_link`.
  public struct Vehicle: Sendable, Equatable {
    public init() {}
    /// The GNSS antenna in the vehicle frame (x forward, y left, z up, metres): a GPRMC fix is
    /// the antenna's position, so the vehicle's origin is this far behind it.
    public var gnssAntenna = SIMD3<Double>(0, 0, 0)
  }
  public struct Grid: Sendable, Equatable {
    public init() {}
    public var columns = 1000
    public var rows = 1000
    public var resolutionMeters: Double = 0.1
    /// Returns below this height (vehicle frame, metres: the sensor's own with one unmounted
    /// sensor) are ground; above `obstacleMaxZ`, overhangs.
    public var obstacleMinZ: Double = -1.3
    public var obstacleMaxZ: Double = 0.5
    /// A fully confident cell not observed for this long becomes unknown; 0 never decays.
    public var decaySeconds: Double = 2
    /// An ego move larger than this between two frames is a jump: the grid is cleared.
    public var resetJumpMeters: Double = 30
    /// V2X agents painted per frame, nearest first; the rest are counted, not painted.
    public var maxAgents = 256
    /// Publish the V2X layer beside the fused grid.
    public var publishV2XLayer = true
    /// Publish the LiDAR log-odds layer (int16, 2 bytes a cell).
    public var publishLogOddsLayer = false
    /// Publish the source layer (which evidence each cell has, 1 byte a cell).
    public var publishSourceLayer = false
    public enum Ground: String, Sendable, CaseIterable {
      /// Obstacles are returns above `obstacleMinZ` (sensor-relative).
      case band
      /// Obstacles are returns `groundClearance` above the terrain fitted per sweep.
      case sloped
    }
    public var ground = Ground.band
    public var groundClearance: Double = 0.25
    public var groundMaximumSlope: Double = 0.15
  }
  public struct Frame: Sendable, Equatable {
    public init() {}
    public enum BudgetMode: String, Sendable, CaseIterable {
      /// Wall clock for live runs, work units for replays.
      case auto
      /// Wall clock: `budget_ms` from the frame's start.
      case wall
      /// Work, never the clock: `budget_ms` of the reference machine's time, counted from the
      /// points, cells and agents a frame handles (`WorkCosts.reference`); the same output on
      /// any machine.
      case work
    }
    /// Wall time from the frame's start (live), or the reference machine's time (work).
    public var budgetMilliseconds: Double = 20
    public var budgetMode = BudgetMode.auto
    /// Live runs: with no LiDAR sweep for this long, frames go on at this period without
    /// LiDAR (V2X agents and decay), marked `lidar_status: ABSENT`. 0: frames only with LiDAR.
    public var lidarTimeoutMilliseconds = 250
    /// Live runs: the frame thread's SCHED_FIFO priority (1…99), so that no ordinary process
    /// preempts a frame; 0 leaves it under the normal scheduler.
    public var realtimePriority = 0
  }
  public struct Publish: Sendable, Equatable {
    public init() {}
    public var endpoint = "tcp://127.0.0.1:5560"
    public var sendHighWaterMark = 1000
    /// How the grid layers travel: raw cells, or zlib streams (smaller, costs CPU per frame).
    public var compression = Compression.none
    /// CURVE: only subscribers whose public keys are in this file (or folder of `.pub` files)
    /// get frames. Needs `security.curve_secret_key`.
    public var curveAllowPath: String? = nil
    /// How `--record` files store their chunks: zstd (as the mcap CLI writes; about 200 times
    /// smaller for grid frames) or uncompressed.
    public var recordCompression = RecordCompression.zstd
    public enum Compression: String, Sendable, CaseIterable {
      case none
      case zlib
    }
    public enum RecordCompression: String, Sendable, CaseIterable {
      case none
      case zstd
    }
  }

  /// One ZeroMQ source of V2X messages (`[[v2x.source]]`).
  public struct V2XSource: Sendable, Equatable {
    public enum Framing: String, Sendable, CaseIterable {
      /// One frame: the subscription topic, then the payload.
      case single
      /// Several frames: the last is the payload.
      case multipart
    }
    public var name = "v2x"
    public var endpoint = "tcp://127.0.0.1:5570"
    /// Bind instead of connecting (when the radio's forwarder connects to us).
    public var bind = false
    /// Subscription prefixes; in single framing the matched prefix is cut off the payload.
    public var topics = [""]
    public var format = V2XPayloadFormat.uper
    public var framing = Framing.single
    public var receiveHighWaterMark = 10_000
    /// CURVE when we bind: only publishers whose public keys are listed get their messages in.
    public var curveAllowPath: String? = nil
    /// CURVE when we connect: the publisher's public key (it is the CURVE server).
    public var curveServerKeyPath: String? = nil

    public init() {}
  }
  public struct V2X: Sendable, Equatable {
    public init() {}
    public var sources: [V2XSource] = []
    /// Messages older than this on arrival are dropped as stale.
    public var staleAfterMilliseconds = 2000
    /// Decoded messages waiting for the frame loop; beyond this the oldest are dropped.
    public var queueCapacity = 4096
    /// Misbehaviour checks (impossible speed, acceleration, position jumps) with quarantine.
    public var plausibility = true
    /// How long a sender that failed a check stays quarantined.
    public var quarantineSeconds: Double = 10
    /// Quarantine a sender whose painted position LiDAR has seen free for this many frames in
    /// a row (the agent's `contradicted` status). 0: off (docs/ARCHITECTURE.md says why).
    public var lidarContradictionFrames = 0
  }

  public struct Security: Sendable, Equatable {
    public init() {}
    /// This runtime's CURVE key pair (`sightline keygen`), used by every socket that has a
    /// CURVE setting; the file must not be readable by others.
    public var curveSecretKeyPath: String? = nil
  }
  /// Prometheus text endpoint (`GET /metrics`), off when empty: for example "127.0.0.1:9464".
  public struct Metrics: Sendable, Equatable {
    public init() {}
    public var listen = ""
  }
  /// The Foxglove WebSocket server, the live page at `/`, `/metrics` and `/healthz`, all on one
  /// listener, off when empty: for example "127.0.0.1:8765" (`--foxglove` overrides it).
  public struct Foxglove: Sendable, Equatable {
    public init() {}
    public var listen = ""
  }

  public var lidar = Lidar()
  public var vehicle = Vehicle()
  public var security = Security()
  public var metrics = Metrics()
  public var foxglove = Foxglove()
  public var v2x = V2X()
  public var grid = Grid()
  public var frame = Frame()
  public var publish = Publish()
  public var ego = Ego()

  public init() {}
}

extension SightlineConfig {
  public static func load(path: String) throws(ConfigError) -> SightlineConfig {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw ConfigError(file: path, key: "", problem: "cannot read: \(error.localizedDescription)")
    }
    return try parse(text, file: path)
  }

  public static func parse(_ text: String, file: String) throws(ConfigError) -> SightlineConfig {
    let root: TOMLTable
    do {
      root = try TOMLReader.parse(text)
    } catch {
      throw ConfigError(file: file, key: "", problem: "not valid TOML: \(error)")
    }
    var config = SightlineConfig()
    try config.apply(root, file: file)
    return config
  }

  /// Sets the keys of `root` (sections as in Config/sightline.toml) on this config, for files
  /// and for a drive's `[config]` overrides; `prefix` names the keys in errors.
  public mutating func apply(_ root: TOMLTable, file: String, prefix: String = "")
    throws(ConfigError)
  {
    var config = self
    // Sorted so that the first error reported does not depend on hash order.
    for section in root.keys.sorted() {
      guard let setters = Self.settings[section] else {
        throw ConfigError(
          file: file, key: prefix + section,
          problem: "unknown section (known: \(Self.settings.keys.sorted().joined(separator: ", ")))"
        )
      }
      guard let table = root[section]?.table else {
        throw ConfigError(
          file: file, key: prefix + section, problem: "must be a [\(prefix)\(section)] table")
      }
      for key in table.keys.sorted() {
        let dotted = "\(prefix)\(section).\(key)"
        guard let setter = setters[key] else {
          throw ConfigError(
            file: file, key: dotted,
            problem: "unknown key (known: \(setters.keys.sorted().joined(separator: ", ")))")
        }
        do throws(ValueProblem) {
          try setter(&config, table[key]!)
        } catch {
          throw ConfigError(file: file, key: dotted, problem: error.message)
        }
      }
    }
    try config.checkConsistency(file: file)
    self = config
  }

  /// What a running process can take from a reloaded file: the frame budget, the LiDAR
  /// time-out and the grid's decay. The sections `new` changes beyond those, or nil when none:
  /// sockets, the grid's geometry and the decoders are built once.
  public func changedFixedSections(from running: SightlineConfig) -> [String]? {
    var comparable = self
    comparable.frame = running.frame
    comparable.grid.decaySeconds = running.grid.decaySeconds
    var changed = [String]()
    if comparable.lidar != running.lidar { changed.append("lidar") }
    if comparable.vehicle != running.vehicle { changed.append("vehicle") }
    if comparable.grid != running.grid { changed.append("grid") }
    if comparable.v2x != running.v2x { changed.append("v2x") }
    if comparable.publish != running.publish { changed.append("publish") }
    if comparable.security != running.security { changed.append("security") }
    if comparable.metrics != running.metrics { changed.append("metrics") }
    if comparable.foxglove != running.foxglove { changed.append("foxglove") }
    if comparable.ego != running.ego { changed.append("ego") }
    return changed.isEmpty ? nil : changed
  }

  /// Rules that involve more than one key; the error names the key that must change.
  public func checkConsistency(file: String) throws(ConfigError) {
    try checkRig(file: file)
    try Self.checkStream(
      model: lidar.model, calibration: lidar.calibrationPath, metadata: lidar.metadataPath,
      prefix: "lidar", file: file)
    if lidar.minRangeMeters >= lidar.maxRangeMeters {
      throw ConfigError(
        file: file, key: "lidar.min_range_m",
        problem: "\(lidar.minRangeMeters) must be below lidar.max_range_m (\(lidar.maxRangeMeters))"
      )
    }
    let curveSources = v2x.sources.filter {
      $0.curveAllowPath != nil || $0.curveServerKeyPath != nil
    }
    if security.curveSecretKeyPath == nil
      && (publish.curveAllowPath != nil || !curveSources.isEmpty)
    {
      throw ConfigError(
        file: file, key: "security.curve_secret_key",
        problem: "CURVE sockets need this runtime's key pair (make one with `sightline keygen`)")
    }
    for (index, source) in v2x.sources.enumerated() {
      let key = "v2x.source[\(index + 1)]"
      if source.curveAllowPath != nil && !source.bind {
        throw ConfigError(
          file: file, key: key + ".curve_allow",
          problem: "an allow-list needs bind = true (the side that binds authenticates);"
            + " when connecting, set curve_server_key to the publisher's public key")
      }
      if source.curveServerKeyPath != nil && source.bind {
        throw ConfigError(
          file: file, key: key + ".curve_server_key",
          problem: "a server key is for connecting (bind = false); when binding, set curve_allow")
      }
    }
    if grid.obstacleMinZ >= grid.obstacleMaxZ {
      throw ConfigError(
        file: file, key: "grid.obstacle_min_z_m",
        problem: "\(grid.obstacleMinZ) must be below grid.obstacle_max_z_m (\(grid.obstacleMaxZ))")
    }
    try checkEgo(file: file)
  }

  struct ValueProblem: Error { let message: String }
  typealias Setter =
    @Sendable (inout SightlineConfig, TOMLValue) throws(ValueProblem)
    -> Void

  static func flag(_ value: TOMLValue) throws(ValueProblem) -> Bool {
    guard let flag = value.bool else {
      throw ValueProblem(message: "expected true or false, found \(value.typeName)")
    }
    return flag
  }

  static func number(_ value: TOMLValue) throws(ValueProblem) -> Double {
    if let double = value.double { return double }
    if let int = value.int { return Double(int) }
    throw ValueProblem(message: "expected a number, found \(value.typeName)")
  }

  static func number(_ value: TOMLValue, in range: ClosedRange<Double>)
    throws(ValueProblem) -> Double
  {
    let number = try number(value)
    guard number.isFinite, range.contains(number) else {
      throw ValueProblem(message: "\(number) is outside \(range.lowerBound)...\(range.upperBound)")
    }
    return number
  }

  static func integer(_ value: TOMLValue, in range: ClosedRange<Int>)
    throws(ValueProblem) -> Int
  {
    guard let int = value.int else {
      throw ValueProblem(message: "expected an integer, found \(value.typeName)")
    }
    guard range.contains(int) else {
      throw ValueProblem(message: "\(int) is outside \(range.lowerBound)...\(range.upperBound)")
    }
    return int
  }

  /// One of an enumeration's names; the error lists them all.
  static func choice<Choice: RawRepresentable & CaseIterable>(
    _ value: TOMLValue, named what: String
  ) throws(ValueProblem) -> Choice where Choice.RawValue == String {
    let name = try string(value)
    guard let choice = Choice(rawValue: name) else {
      let known = Choice.allCases.map(\.rawValue).joined(separator: ", ")
      throw ValueProblem(message: "unknown \(what) \"\(name)\" (\(known))")
    }
    return choice
  }

  static func string(_ value: TOMLValue) throws(ValueProblem) -> String {
    guard let string = value.string else {
      throw ValueProblem(message: "expected a string, found \(value.typeName)")
    }
    return string
  }

  /// "HOST:PORT" (`[::1]:8765` for IPv6), or "" for off.
  static func listenAddress(_ value: TOMLValue) throws(ValueProblem) -> String {
    let text = try string(value)
    guard !text.isEmpty else { return text }
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
      (0...65535).contains(port), !text[..<colon].isEmpty
    else {
      throw ValueProblem(message: "\"\(text)\" is not HOST:PORT like 127.0.0.1:8765")
    }
    return text
  }

  static let settings: [String: [String: Setter]] = [
    "ego": egoSettings,
    "lidar": [
      "model": { config, value throws(ValueProblem) in
        let name = try string(value)
        if name == "auto" {
          config.lidar.model = nil
        } else if let model = LidarModel(name: name) {
          config.lidar.model = model
        } else {
          throw ValueProblem(message: "unknown model \"\(name)\" (auto, \(LidarModel.known))")
        }
      },
      "calibration": { config, value throws(ValueProblem) in
        config.lidar.calibrationPath = try string(value)
      },
      "metadata": { config, value throws(ValueProblem) in
        config.lidar.metadataPath = try string(value)
      },
      "capture_filter": { config, value throws(ValueProblem) in
        config.lidar.captureFilter = try string(value)
      },
      "cut_angle_deg": { config, value throws(ValueProblem) in
        config.lidar.cutAngleDegrees = try number(value, in: 0...359.99)
      },
      "min_range_m": { config, value throws(ValueProblem) in
        config.lidar.minRangeMeters = try number(value, in: 0...1000)
      },
      "max_range_m": { config, value throws(ValueProblem) in
        config.lidar.maxRangeMeters = try number(value, in: 0.1...1000)
      },
      "sensor": { config, value throws(ValueProblem) in
        config.lidar.sensors = try LidarSensorConfig.list(value)
      },
      "frame_sensor": { config, value throws(ValueProblem) in
        config.lidar.frameSensor = try string(value)
      },
    ],
    "vehicle": [
      "gnss_antenna": { config, value throws(ValueProblem) in
        config.vehicle.gnssAntenna = try position(value)
      }
    ],
    "grid": [
      "columns": { config, value throws(ValueProblem) in
        config.grid.columns = try integer(value, in: 10...10_000)
      },
      "rows": { config, value throws(ValueProblem) in
        config.grid.rows = try integer(value, in: 10...10_000)
      },
      "resolution_m": { config, value throws(ValueProblem) in
        config.grid.resolutionMeters = try number(value, in: 0.01...10)
      },
      "obstacle_min_z_m": { config, value throws(ValueProblem) in
        config.grid.obstacleMinZ = try number(value, in: -100...100)
      },
      "obstacle_max_z_m": { config, value throws(ValueProblem) in
        config.grid.obstacleMaxZ = try number(value, in: -100...100)
      },
      "decay_s": { config, value throws(ValueProblem) in
        config.grid.decaySeconds = try number(value, in: 0...3600)
      },
      "reset_jump_m": { config, value throws(ValueProblem) in
        config.grid.resetJumpMeters = try number(value, in: 0.1...100_000)
      },
      "ground": { config, value throws(ValueProblem) in
        config.grid.ground = try choice(value, named: "ground model")
      },
      "ground_clearance_m": { config, value throws(ValueProblem) in
        config.grid.groundClearance = try number(value, in: 0.01...5)
      },
      "ground_max_slope": { config, value throws(ValueProblem) in
        config.grid.groundMaximumSlope = try number(value, in: 0...2)
      },
      "max_agents": { config, value throws(ValueProblem) in
        config.grid.maxAgents = try integer(value, in: 0...65_535)
      },
      "publish_v2x_layer": { config, value throws(ValueProblem) in
        config.grid.publishV2XLayer = try flag(value)
      },
      "publish_log_odds_layer": { config, value throws(ValueProblem) in
        config.grid.publishLogOddsLayer = try flag(value)
      },
      "publish_source_layer": { config, value throws(ValueProblem) in
        config.grid.publishSourceLayer = try flag(value)
      },
    ],
    "v2x": [
      "stale_after_ms": { config, value throws(ValueProblem) in
        config.v2x.staleAfterMilliseconds = try integer(value, in: 1...600_000)
      },
      "plausibility": { config, value throws(ValueProblem) in
        config.v2x.plausibility = try flag(value)
      },
      "quarantine_s": { config, value throws(ValueProblem) in
        config.v2x.quarantineSeconds = try number(value, in: 0...86_400)
      },
      "lidar_contradiction_frames": { config, value throws(ValueProblem) in
        config.v2x.lidarContradictionFrames = try integer(value, in: 0...10_000)
      },
      "queue_capacity": { config, value throws(ValueProblem) in
        config.v2x.queueCapacity = try integer(value, in: 16...10_000_000)
      },
      "source": { config, value throws(ValueProblem) in
        config.v2x.sources = try v2xSources(value)
      },
    ],
    "frame": [
      "budget_ms": { config, value throws(ValueProblem) in
        config.frame.budgetMilliseconds = try number(value, in: 0.1...10_000)
      },
      "budget": { config, value throws(ValueProblem) in
        config.frame.budgetMode = try choice(value, named: "budget")
      },
      "work_units": { _, _ throws(ValueProblem) in
        throw ValueProblem(
          message:
            "replaced by budget_ms: a work budget is now budget_ms of the reference machine's time (docs/ARCHITECTURE.md, \"The budget\")"
        )
      },
      "lidar_timeout_ms": { config, value throws(ValueProblem) in
        config.frame.lidarTimeoutMilliseconds = try integer(value, in: 0...60_000)
      },
      "realtime_priority": { config, value throws(ValueProblem) in
        config.frame.realtimePriority = try integer(value, in: 0...99)
      },
    ],
    "security": [
      "curve_secret_key": { config, value throws(ValueProblem) in
        config.security.curveSecretKeyPath = try string(value)
      }
    ],
    "metrics": [
      "listen": { config, value throws(ValueProblem) in
        config.metrics.listen = try listenAddress(value)
      }
    ],
    "foxglove": [
      "listen": { config, value throws(ValueProblem) in
        config.foxglove.listen = try listenAddress(value)
      }
    ],
    "publish": [
      "curve_allow": { config, value throws(ValueProblem) in
        config.publish.curveAllowPath = try string(value)
      },
      "endpoint": { config, value throws(ValueProblem) in
        let endpoint = try string(value)
        guard endpoint.contains("://") else {
          throw ValueProblem(
            message: "\"\(endpoint)\" is not a ZeroMQ endpoint like tcp://host:port")
        }
        config.publish.endpoint = endpoint
      },
      "send_hwm": { config, value throws(ValueProblem) in
        config.publish.sendHighWaterMark = try integer(value, in: 1...1_000_000)
      },
      "compression": { config, value throws(ValueProblem) in
        config.publish.compression = try choice(value, named: "compression")
      },
      "record_compression": { config, value throws(ValueProblem) in
        config.publish.recordCompression = try choice(value, named: "record compression")
      },
    ],
  ]
}
