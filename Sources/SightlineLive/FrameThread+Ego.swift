import Logging
import SightlinePipeline
import SightlineSchema

extension FrameThread {
  /// The line a live run logs at its start: which ego source it uses.
  static func egoSourceLine(_ ego: SightlineConfig.Ego) -> String {
    switch ego.source {
    case .gnss:
      "ego pose: gnss (the LiDAR's GPRMC), stale after \(ego.maxAgeMilliseconds) ms"
    case .localization:
      "ego pose: localization, LocalizationPose on \(ego.endpoint ?? "?")"
        + " (\(ego.bind ? "bound" : "connected"), topic \"\(ego.topic)\"),"
        + " stale after \(ego.maxAgeMilliseconds) ms"
    case .bsm:
      "ego pose: bsm, the vehicle's own BSMs (temporary id"
        + " \(String(format: "%08X", ego.temporaryID ?? 0))), stale after"
        + " \(ego.maxAgeMilliseconds) ms"
    }
  }

  /// A line when the ego pose goes stale (none yet after a frame, or older than
  /// `ego.max_age_ms`) and when it is fresh again.
  func egoEvent(_ status: EgoStatus, wasStale: Bool) -> String? {
    guard status.stale != wasStale else { return nil }
    let age = status.poseAgeNanoseconds.map { "\(Double($0) / 1e6) ms old" } ?? "none yet"
    return status.stale
      ? "ego pose (\(status.source)) is stale: \(age) at the last frame"
      : "ego pose (\(status.source)) is fresh again: \(age)"
  }
}
