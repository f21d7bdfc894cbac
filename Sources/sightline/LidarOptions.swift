// LiDAR options shared by every command that reads packets: `SensorOptions` (which packets are
// the sensor's, and what they are) in every one, `play` included; `LidarOptions` adds how to
// decode them.

import ArgumentParser
import SightlineLidar
import SightlinePipeline

/// What a capture's sensor packets are: an Ouster's metadata (its profile and ports) and a BPF
/// filter over the capture. Every packet command takes them, `play` too: it needs no more to
/// know which datagrams to send, and where.
struct SensorOptions: ParsableArguments {
  @Option(
    name: .long,
    help: "An Ouster sensor's metadata JSON (as the sensor and ouster-sdk write it).")
  var metadata: String?

  @Option(name: .long, help: "BPF filter for captures, e.g. \"udp and host 192.168.1.201\".")
  var filter: String?

  /// Sets these options on `config`, unchecked (`apply(to:)` checks).
  func set(on config: inout SightlineConfig) {
    if let metadata { config.lidar.metadataPath = metadata }
    if let filter { config.lidar.captureFilter = filter }
  }

  func apply(to config: inout SightlineConfig) throws {
    set(on: &config)
    try checkConsistency(config)
  }
}

/// A config's LiDAR settings must agree after the command line's options are applied.
func checkConsistency(_ config: SightlineConfig) throws {
  do {
    try config.checkConsistency(file: "command line")
  } catch {
    throw Failure(description: "\(error)")
  }
}

/// LiDAR options shared by every command that decodes packets; they override the config file.
struct LidarOptions: ParsableArguments {
  @Option(
    name: .long,
    help:
      "A Velodyne model to decode as, whatever the product byte says (VLP-16, Puck Hi-Res, VLP-32C, HDL-32E, VLS-128), or a Hesai model (Pandar40P, Pandar64, PandarQT64, PandarQT128, PandarXT16, PandarXT32, PandarXT32M; with --calibration)."
  )
  var model: String?

  @Option(
    name: .long,
    help:
      "Calibration file (VeloView .xml, ros-drivers/nebula .yaml; Hesai's angle-correction .csv); needs --model."
  )
  var calibration: String?

  @OptionGroup var sensor: SensorOptions

  @Option(name: .long, help: "Cut sweeps at this azimuth, degrees.")
  var cutAngle: Double?

  @Option(
    name: .customLong("only-sensor"),
    help:
      "Decode only this sensor of the config's [[lidar.sensor]] tables (repeat for several); the others are disabled."
  )
  var onlySensors: [String] = []

  var metadata: String? { sensor.metadata }
  var filter: String? { sensor.filter }

  /// The config file at `path` (the built-in defaults when nil) with these options applied.
  func settings(from path: String?) throws -> SightlineConfig {
    var settings = try loadConfig(path)
    try apply(to: &settings)
    return settings
  }

  func apply(to config: inout SightlineConfig) throws {
    if let model {
      guard let parsed = LidarModel(name: model) else {
        throw Failure(description: "unknown model \(model) (\(LidarModel.known))")
      }
      config.lidar.model = parsed
    }
    if let calibration {
      guard config.lidar.model != nil else {
        throw Failure(
          description: "--calibration needs --model: a calibration file describes one model")
      }
      config.lidar.calibrationPath = calibration
    }
    sensor.set(on: &config)
    if let cutAngle { config.lidar.cutAngleDegrees = cutAngle }
    do {
      try config.lidar.enableOnly(onlySensors)
    } catch {
      throw Failure(description: "\(error)")
    }
    try checkConsistency(config)
  }
}
