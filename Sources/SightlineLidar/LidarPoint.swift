/// One decoded return, in the sensor frame (REP 103: x forward, y left, z up).
public struct LidarPoint: Sendable, Equatable {
  public var x: Float
  public var y: Float
  public var z: Float
  public var distance: Float
  /// Absolute UTC time of the firing, in nanoseconds since the Unix epoch.
  public var timeNanoseconds: Int64
  /// Azimuth in centidegrees, 0..<36000, after per-firing interpolation.
  public var azimuthCentidegrees: UInt16
  public var intensity: UInt8
  /// Ring number, 0 = lowest beam.
  public var ring: UInt8
  /// 1 strongest, 2 last, 3 both (velodyne-decoder's convention).
  public var returnType: UInt8

  public init(
    x: Float, y: Float, z: Float, distance: Float, timeNanoseconds: Int64,
    azimuthCentidegrees: UInt16, intensity: UInt8, ring: UInt8, returnType: UInt8
  ) {
    self.x = x
    self.y = y
    self.z = z
    self.distance = distance
    self.timeNanoseconds = timeNanoseconds
    self.azimuthCentidegrees = azimuthCentidegrees
    self.intensity = intensity
    self.ring = ring
    self.returnType = returnType
  }
}

/// `LidarPoint.returnType`, as velodyne-decoder numbers them, for every vendor (first+last
/// sensors: 1 first, 2 last, 3 both).
public enum ReturnType {
  public static let strongest: UInt8 = 1
  public static let last: UInt8 = 2
  public static let both: UInt8 = 3
}
