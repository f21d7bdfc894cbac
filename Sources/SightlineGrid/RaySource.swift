/// The points of one sensor in a frame and where that sensor is: its free space is cast from
/// its own cell. `originX`/`originY` are metres from the vehicle's origin (the centre cell),
/// with world-aligned axes as the points' positions are.
public struct RaySource: Sendable, Equatable {
  /// Indexes of its points (as `position(i)` takes them).
  public var points: Range<Int>
  public var originX: Float
  public var originY: Float

  public init(points: Range<Int>, originX: Float = 0, originY: Float = 0) {
    self.points = points
    self.originX = originX
    self.originY = originY
  }
}
