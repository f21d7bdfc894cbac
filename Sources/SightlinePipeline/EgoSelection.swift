import SightlineSchema
import SightlineTimeline

/// Which source the ego trajectory takes its poses from (`[ego]`, or a replay's choice), the
/// vehicle's own temporary id for the BSM source, and what the timeline counted of it. One
/// source at a time: the others' poses are ignored.
public struct EgoSelection: Sendable, Equatable {
  public var source: EgoStatus.Source
  /// The BSM source: this sender's BSMs are the ego, never an agent.
  public var ownTemporaryID: UInt32?
  /// A pose older than this at a frame is reported stale.
  public var maxAgeNanoseconds: Int64
  /// Poses the trajectory took from the source.
  public internal(set) var posesTaken = 0
  /// Localization poses and own BSMs the trajectory refused (out of order, a repeated time, a
  /// jump no vehicle makes); GNSS fixes it refused are not counted here.
  public internal(set) var posesRefused = 0

  public init(_ config: SightlineConfig.Ego = .init()) {
    switch config.source {
    case .gnss: source = .gnss
    case .localization: source = .localization
    case .bsm: source = .bsm
    }
    ownTemporaryID = config.source == .bsm ? config.temporaryID : nil
    maxAgeNanoseconds = Int64(config.maxAgeMilliseconds) * 1_000_000
  }

  /// GNSS fixes (the LiDAR's GPRMC, or a drive's truth fed as fixes) make the ego.
  public var takesFixes: Bool { source == .gnss || source == .truth }

  /// The status at `time` (a frame's reference time) given the trajectory's newest pose.
  public func status(newest: EgoState?, at time: Int64) -> EgoStatus {
    var status = EgoStatus()
    status.source = source
    status.poses = UInt64(posesTaken)
    if let newest, time != .min {
      let age = time.subtractingReportingOverflow(newest.timeNanoseconds)
      status.poseAgeNanoseconds = age.overflow ? .max : age.partialValue
      status.stale = age.overflow || age.partialValue > maxAgeNanoseconds
    }
    return status
  }
}
