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
  public static func stream(for config: SightlineConfig) throws -> any LidarStream {
    let lidar = config.lidar
    if let path = lidar.metadataPath { return try ouster(metadataPath: path) }
    if let model = lidar.model?.hesai { return try hesai(model, lidar) }
    return try velodyne(lidar)
  }

  static func ouster(metadataPath path: String) throws -> OusterStream {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigError(
        file: path, key: "", problem: "cannot read the Ouster metadata (lidar.metadata)")
    }
    do {
      return OusterStream(metadata: try OusterMetadata(json: Array(data)))
    } catch {
      throw ConfigError(file: path, key: "", problem: "\(error)")
    }
  }

  static func hesai(_ model: HesaiModel, _ lidar: SightlineConfig.Lidar) throws -> HesaiStream {
    guard let path = lidar.calibrationPath,
      let data = FileManager.default.contents(atPath: path)
    else {
      throw ConfigError(
        file: lidar.calibrationPath ?? "config", key: "lidar.calibration",
        problem: "cannot read the \(model) calibration CSV")
    }
    let calibration: HesaiCalibration
    do {
      calibration = try HesaiCalibration(csv: String(decoding: data, as: UTF8.self), model: model)
    } catch {
      throw ConfigError(file: path, key: "", problem: "\(error)")
    }
    let settings = HesaiDecoderSettings(
      minimumRange: lidar.minRangeMeters, maximumRange: lidar.maxRangeMeters,
      cutAzimuthCentidegrees: Int((lidar.cutAngleDegrees * 100).rounded()))
    return HesaiStream(calibration: calibration, settings: settings)
  }

  static func velodyne(_ lidar: SightlineConfig.Lidar) throws -> VelodyneStream {
    var calibration: LaserTable?
    if let path = lidar.calibrationPath, let model = lidar.model?.velodyne {
      calibration = try VelodyneCalibration.load(path: path, model: model)
    }
    let decoder = VelodyneDecoder(
      modelOverride: lidar.model?.velodyne, calibration: calibration,
      range: RangeLimits(minimum: Float(lidar.minRangeMeters), maximum: Float(lidar.maxRangeMeters))
    )
    let assembler = SweepAssembler(
      cutAzimuthCentidegrees: Int((lidar.cutAngleDegrees * 100).rounded()))
    return VelodyneStream(decoder: decoder, assembler: assembler)
  }
}
