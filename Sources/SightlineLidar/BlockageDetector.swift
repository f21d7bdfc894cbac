// Placeholder until the helper's detector lands (same API): never flags.
public struct BlockageDetector: Sendable {
  public let sectors: Int
  public private(set) var blockedSectors: UInt64 = 0
  public init(sectors: Int = 36, revolutions: Int = 5, nearMeters: Float = 0.5) {
    self.sectors = sectors
  }
  public mutating func observe(_ points: UnsafeBufferPointer<LidarPoint>, coverageCentidegrees: Int) {}
  public func isBlocked(azimuthCentidegrees: UInt16) -> Bool {
    blockedSectors >> UInt64(Int(azimuthCentidegrees) * sectors / 36000) & 1 == 1
  }
}
