import SightlineHesai
import SightlineVelodyne

/// A sensor model a config or command line may name (`lidar.model`, `--model`): a Velodyne
/// (overriding the packets' product byte) or a Hesai (whose calibration CSV describes it).
/// Ouster models come from the sensor's metadata JSON instead.
public enum LidarModel: Sendable, Equatable, CustomStringConvertible {
  case velodyne(VelodyneModel)
  case hesai(HesaiModel)

  /// "VLP-16", "vls128", "PandarQT64", "XT32M", …
  public init?(name: String) {
    if let model = VelodyneModel(name: name) {
      self = .velodyne(model)
    } else if let model = HesaiModel(name: name) {
      self = .hesai(model)
    } else {
      return nil
    }
  }

  public var velodyne: VelodyneModel? {
    if case .velodyne(let model) = self { model } else { nil }
  }

  public var hesai: HesaiModel? {
    if case .hesai(let model) = self { model } else { nil }
  }

  public var description: String {
    switch self {
    case .velodyne(let model): model.description
    case .hesai(let model): model.description
    }
  }

  /// Every name accepted, for error messages.
  public static var known: String {
    (VelodyneModel.allCases.map(\.description) + HesaiModel.allCases.map(\.description))
      .joined(separator: ", ")
  }
}
