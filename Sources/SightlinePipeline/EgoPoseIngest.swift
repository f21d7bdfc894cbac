import SightlineSchema
import SightlineTimeline

/// Localization pose bytes → admitted poses (`EgoPoseObservation`), every message counted
/// (`EgoPoseCounters`): protobuf that is not a `LocalizationPose` is malformed; a pose whose
/// values are out of range (time, WGS-84, non-finite angles, a covariance that is not 36
/// symmetric values with a non-negative diagonal) is invalid. Never traps on any input.
public struct EgoPoseIngest: Sendable {
  /// A pose message larger than this is counted oversized (a pose is about 400 bytes).
  public static let maximumPayloadBytes = 16_384
  public private(set) var counters = EgoPoseCounters()

  public init() {}

  /// The protobuf body of one message.
  public mutating func ingest(_ bytes: UnsafeRawBufferPointer, receiveTimeNanoseconds: Int64)
    -> EgoPoseObservation?
  {
    counters.received += 1
    guard bytes.count <= Self.maximumPayloadBytes else {
      counters.oversized += 1
      return nil
    }
    do {
      return admit(try LocalizationPose.decode(bytes), receiveTimeNanoseconds)
    } catch {
      counters.malformed += 1
      return nil
    }
  }

  /// A decoded pose (a recorded log's JSON form).
  public mutating func ingest(_ pose: LocalizationPose, receiveTimeNanoseconds: Int64)
    -> EgoPoseObservation?
  {
    counters.received += 1
    return admit(pose, receiveTimeNanoseconds)
  }

  /// A message that did not fit the receive buffer.
  public mutating func countOversized() {
    counters.received += 1
    counters.oversized += 1
  }

  /// A message that was not a pose at all (a recorded line that does not decode).
  public mutating func countMalformed() {
    counters.received += 1
    counters.malformed += 1
  }

  private mutating func admit(_ pose: LocalizationPose, _ received: Int64) -> EgoPoseObservation? {
    guard let report = Self.report(pose) else {
      counters.invalid += 1
      return nil
    }
    counters.accepted += 1
    return EgoPoseObservation(report: report, receiveTimeNanoseconds: received)
  }

  /// The pose as the ego state builder reads it, or nil when its values make no pose.
  public static func report(_ pose: LocalizationPose) -> EgoFromPose.Report? {
    guard pose.timeNanoseconds > 0,
      pose.latitudeDegrees.isFinite, abs(pose.latitudeDegrees) <= 90,
      pose.longitudeDegrees.isFinite, abs(pose.longitudeDegrees) <= 180,
      pose.altitudeMeters.isFinite, abs(pose.altitudeMeters) <= 100_000,
      pose.roll.isFinite, pose.pitch.isFinite, pose.yaw.isFinite,
      pose.speedMetersPerSecond?.isFinite ?? true,
      pose.yawRateRadiansPerSecond?.isFinite ?? true
    else { return nil }
    var covariance: PoseCovariance?
    if !pose.covariance.isEmpty {
      guard let given = PoseCovariance(rowMajor: pose.covariance), given.isValid else {
        return nil
      }
      covariance = given
    }
    var report = EgoFromPose.Report(
      position: GeodeticPosition(
        latitudeDegrees: pose.latitudeDegrees, longitudeDegrees: pose.longitudeDegrees,
        heightMeters: pose.altitudeMeters),
      timeNanoseconds: pose.timeNanoseconds, yaw: pose.yaw)
    report.roll = pose.roll
    report.pitch = pose.pitch
    report.speed = pose.speedMetersPerSecond
    report.yawRate = pose.yawRateRadiansPerSecond
    report.covariance = covariance
    return report
  }
}
