/// What a user may set on top of the model's own limits; the defaults are nebula's test
/// settings (no range limits of its own, 0.1 m dual-return threshold, cut at 0°).
public struct HesaiDecoderSettings: Sendable, Equatable {
  /// Metres; applied on top of the model's limits (nebula's `min_range`/`max_range`).
  public var minimumRange: Double
  public var maximumRange: Double
  /// A return that is not its firing's last block is dropped when another return of the same
  /// firing (even a zero one) lies closer than this, metres (nebula's
  /// `dual_return_distance_threshold`).
  public var dualReturnDistanceThreshold: Double
  /// Where scans are cut (nebula's `cut_angle`), 0.01° clockwise from the sensor's front.
  public var cutAzimuthCentidegrees: Int

  public init(
    minimumRange: Double = 0, maximumRange: Double = .infinity,
    dualReturnDistanceThreshold: Double = 0.1, cutAzimuthCentidegrees: Int = 0
  ) {
    self.minimumRange = minimumRange
    self.maximumRange = maximumRange
    self.dualReturnDistanceThreshold = dualReturnDistanceThreshold
    self.cutAzimuthCentidegrees = cutAzimuthCentidegrees
  }
}
