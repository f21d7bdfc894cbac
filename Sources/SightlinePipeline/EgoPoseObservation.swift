import SightlineTimeline

/// One admitted localization pose, what the timeline takes: the pose as the ego state builder
/// reads it, and when it arrived (host clock, or the recorded receive time on replay).
public struct EgoPoseObservation: Sendable, Equatable {
  public var report: EgoFromPose.Report
  public var receiveTimeNanoseconds: Int64

  public init(report: EgoFromPose.Report, receiveTimeNanoseconds: Int64) {
    self.report = report
    self.receiveTimeNanoseconds = receiveTimeNanoseconds
  }
}
