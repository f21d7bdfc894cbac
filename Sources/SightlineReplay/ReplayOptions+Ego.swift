import SightlinePipeline
import SightlineSchema

extension ReplayOptions {
  /// Where the replay's ego comes from: the truth, recorded localization poses, the own BSMs
  /// in the V2X log (`[ego] source = "bsm"`), the capture's GPRMC, or nothing.
  public func egoSource() throws -> EgoStatus.Source {
    if egoTruthPath != nil { return .truth }
    if egoPoseLogPath != nil { return .localization }
    switch config.ego.source {
    case .bsm:
      return .bsm
    case .localization:
      throw ConfigError(
        file: "the config", key: "ego.source",
        problem: "a replay reads localization poses from a drive's log ([ego] log in drive.toml),"
          + " not from ego.endpoint")
    case .gnss:
      return egoFromGNSS ? .gnss : .none
    }
  }
}
