import Foundation
import SightlineCalibration
import SightlineHesai
import SightlineLidar
import SightlineOuster
import SightlineVelodyne

/// The sensor's `LidarStream` that a config describes: Ouster when `lidar.metadata` names its
/// JSON, Hesai when `lidar.model` names one (with its calibration CSV), Velodyne otherwise (the
/// model from each packet's product byte unless `lidar.model` names one, with
/// `lidar.calibration`'s table when given).
public enum LidarStreamFactory {
  /// The first sensor's stream (a config of one sensor).
  public static func stream(for config: SightlineConfig) throws -> any LidarStream {
    try stream(for: config.lidar.rig[0], key: "lidar", lidar: config.lidar)
  }

  /// One sensor's stream; `key` ("lidar" or "lidar.sensor[N]") names the sensor in errors.
  public static func stream(
    for sensor: LidarSensorConfig, key: String, lidar: SightlineConfig.Lidar
  ) throws -> any LidarStream {
    if let path = sensor.metadataPath {
      return try ouster(metadataPath: path, port: sensor.port, key: key)
    }
    if let model = sensor.model?.hesai { return try hesai(model, sensor, key: key, lidar) }
    return try velodyne(sensor, key: key, lidar)
  }

  static func ouster(metadataPath path: String, port: UInt16?, key: String) throws
    -> OusterStream
  {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigError(
        file: path, key: "", problem: "cannot read the Ouster metadata (\(key).metadata)")
    }
    do {
      return OusterStream(metadata: try OusterMetadata(json: Array(data)), lidarPort: port)
    } catch {
      throw ConfigError(file: path, key: "", problem: "\(error)")
    }
  }

  static func hesai(
    _ model: HesaiModel, _ sensor: LidarSensorConfig, key: String, _ lidar: SightlineConfig.Lidar
  ) throws -> HesaiStream {
    guard let path = sensor.calibrationPath,
      let data = FileManager.default.contents(atPath: path)
    else {
      throw ConfigError(
        file: sensor.calibrationPath ?? "config", key: key + ".calibration",
        problem: "cannot read the \(model) calibration CSV")
    }
    let calibration: HesaiCalibration
    do {
      calibration = try HesaiCalibration(csv: String(decoding: data, as: UTF8.self), model: model)
    } catch {
      throw ConfigError(file: path, key: key + ".calibration", problem: "\(error)")
    }
    let settings = HesaiDecoderSettings(
      minimumRange: lidar.minRangeMeters, maximumRange: lidar.maxRangeMeters,
      cutAzimuthCentidegrees: Int((lidar.cutAngleDegrees * 100).rounded()))
    return HesaiStream(
      calibration: calibration, settings: settings, port: sensor.port ?? HesaiStream.defaultPort)
  }

  static func velodyne(
    _ sensor: LidarSensorConfig, key: String, _ lidar: SightlineConfig.Lidar
  ) throws -> VelodyneStream {
    var calibration: LaserTable?
    if let path = sensor.calibrationPath, let model = sensor.model?.velodyne {
      do {
        calibration = try VelodyneCalibration.load(path: path, model: model)
      } catch {
        throw ConfigError(file: path, key: key + ".calibration", problem: "\(error)")
      }
    }
    let decoder = VelodyneDecoder(
      modelOverride: sensor.model?.velodyne, calibration: calibration,
      range: RangeLimits(minimum: Float(lidar.minRangeMeters), maximum: Float(lidar.maxRangeMeters))
    )
    let assembler = SweepAssembler(
      cutAzimuthCentidegrees: Int((lidar.cutAngleDegrees * 100).rounded()))
    // A sensor without a position port takes none: 0 is no destination port.
    return VelodyneStream(
      decoder: decoder, assembler: assembler,
      dataPort: sensor.port ?? VelodynePacketLayout.dataPort, positionPort: sensor.positionPort ?? 0
    )
  }
}
