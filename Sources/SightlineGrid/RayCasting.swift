// The choice of free-space caster, made per frame by whoever drives the `LidarUpdater`.

/// How free space is cast.
public enum RayCasting: Sendable, Equatable {
  /// One Bresenham ray per point (`PerPointRays`): the reference, and what the naive baseline
  /// does.
  case perPoint
  /// Azimuth bins per turn, at most 4096 (`PolarFreeSpace`, `PolarTables`).
  case polar(binsPerTurn: Int)

  public static let standard = RayCasting.polar(binsPerTurn: 3600)
}
