// The `[ego]` section of the runtime config: where the ego pose comes from (Config/sightline.toml,
// docs/SCHEMA.md "Ego pose in"). Kept apart from SightlineConfig.swift; that file only holds
// `ego` and the section's entry in its settings table.

import SightlineTOML

extension SightlineConfig {
  public struct Ego: Sendable, Equatable {
    public enum Source: String, Sendable, CaseIterable {
      /// The LiDAR's GPRMC (a Velodyne's position packets).
      case gnss
      /// The vehicle's localization: `LocalizationPose` messages over ZeroMQ.
      case localization
      /// The vehicle's own BSMs, by `temporaryID`.
      case bsm
    }
    public var source = Source.gnss
    /// localization: the ZeroMQ endpoint the poses are published on.
    public var endpoint: String? = nil
    /// localization: the topic (one frame: topic, NUL, message; or multipart: topic frame, then
    /// the message).
    public var topic = "pose"
    /// localization: bind instead of connecting (when the localization connects to us).
    public var bind = false
    /// bsm: the vehicle's own J2735 temporary id.
    public var temporaryID: UInt32? = nil
    /// A pose older than this at a frame is reported stale.
    public var maxAgeMilliseconds = 1500

    public init() {}
  }

  static let egoSettings: [String: Setter] = [
    "source": { config, value throws(ValueProblem) in
      config.ego.source = try choice(value, named: "ego source")
    },
    "endpoint": { config, value throws(ValueProblem) in
      let endpoint = try string(value)
      guard endpoint.contains("://") else {
        throw ValueProblem(message: "\"\(endpoint)\" is not a ZeroMQ endpoint like tcp://host:port")
      }
      config.ego.endpoint = endpoint
    },
    "topic": { config, value throws(ValueProblem) in
      let topic = try string(value)
      guard !topic.utf8.contains(0) else {
        throw ValueProblem(message: "a topic cannot hold a NUL byte (it ends the topic)")
      }
      config.ego.topic = topic
    },
    "bind": { config, value throws(ValueProblem) in
      config.ego.bind = try flag(value)
    },
    "temporary_id": { config, value throws(ValueProblem) in
      config.ego.temporaryID = try temporaryID(value)
    },
    "max_age_ms": { config, value throws(ValueProblem) in
      config.ego.maxAgeMilliseconds = try integer(value, in: 1...60_000)
    },
  ]

  static func temporaryID(_ value: TOMLValue) throws(ValueProblem) -> UInt32 {
    let text = try string(value)
    guard let id = temporaryID(text) else {
      throw ValueProblem(
        message: "\"\(text)\" is not a temporary id: 8 hex digits like \"5EED0001\"")
    }
    return id
  }

  /// A J2735 temporary id as 8 hex digits ("5EED0001"), the way BSM logs print it; nil for
  /// anything else.
  public static func temporaryID(_ text: String) -> UInt32? {
    guard text.utf8.count == 8, text.allSatisfy(\.isHexDigit) else { return nil }
    return UInt32(text, radix: 16)
  }

  /// The `[ego]` rules that involve more than one key; the error names the key to change.
  func checkEgo(file: String) throws(ConfigError) {
    func fail(_ key: String, _ problem: String) -> ConfigError {
      ConfigError(file: file, key: "ego." + key, problem: problem)
    }
    switch ego.source {
    case .localization:
      if ego.endpoint == nil {
        throw fail(
          "endpoint", "source = \"localization\" needs the endpoint its poses are published on")
      }
    case .bsm:
      if ego.temporaryID == nil {
        throw fail("temporary_id", "source = \"bsm\" needs the vehicle's own temporary id")
      }
    case .gnss:
      break
    }
    if ego.source != .localization && ego.endpoint != nil {
      throw fail("endpoint", "only for source = \"localization\" (source is \"\(ego.source)\")")
    }
    if ego.source != .bsm && ego.temporaryID != nil {
      throw fail("temporary_id", "only for source = \"bsm\" (source is \"\(ego.source)\")")
    }
  }
}
