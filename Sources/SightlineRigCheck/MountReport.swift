import Foundation

/// One pair of sensors' `MountCheck`, as `sightline check` reports it: the numbers, or why
/// there are none (`failure`: no overlap, too few overlap cells, a degenerate overlap).
public struct MountReport: Codable, Sendable, Equatable {
  public var first: String
  public var second: String
  public var overlapCells: Int?
  /// The second sensor's ground minus the first's at the overlap's centroid, metres.
  public var heightDifferenceMeters: Double?
  public var tiltDifferenceDegrees: Double?
  public var rmsFirstToSecondMeters: Double?
  public var rmsSecondToFirstMeters: Double?
  public var failure: String?
  /// The check's one line (`MountCheck.Result.summary`), not encoded.
  public var summary: String?

  enum CodingKeys: String, CodingKey {
    case first, second, failure
    case overlapCells = "overlap_cells"
    case heightDifferenceMeters = "height_difference_m"
    case tiltDifferenceDegrees = "tilt_difference_deg"
    case rmsFirstToSecondMeters = "rms_first_to_second_m"
    case rmsSecondToFirstMeters = "rms_second_to_first_m"
  }

  public init(first: String, second: String) {
    self.first = first
    self.second = second
  }

  /// The check's numbers.
  public mutating func take(_ result: MountCheck.Result) {
    overlapCells = result.overlapCells
    heightDifferenceMeters = result.heightDifference
    tiltDifferenceDegrees = result.tiltDifferenceDegrees
    rmsFirstToSecondMeters = result.firstToSecondRMS
    rmsSecondToFirstMeters = result.secondToFirstRMS
    summary = result.summary
  }

  /// Why the check gave no numbers, in words.
  public mutating func take(_ failure: MountCheck.Failure) {
    switch failure {
    case .noOverlap: self.failure = "no overlap: no ground cell seen by both"
    case .tooFewOverlapCells(let found, let needed):
      self.failure = "too little overlap: \(found) ground cells seen by both, \(needed) needed"
    case .degenerateOverlap: self.failure = "the overlap's cells lie along a line"
    }
  }

  /// "mount front-left vs roof: …": a line for `sightline check`'s text.
  public var line: String {
    "mount \(second) vs \(first): " + (failure.map { "no check: \($0)" } ?? summary ?? "")
  }
}
