/// Per-laser geometry and firing times of one model, precomputed once so that decoding is a table
/// lookup. Only VLP-16 is built in for now; [B] adds the other models and calibration files.
public struct LaserTable: Sendable {
  public let model: VelodyneModel
  public let laserCount: Int
  /// Metres per distance unit: 2 mm, or 4 mm on VLS-128.
  public let distanceUnit: Float
  let cosVertical: [Float]
  let sinVertical: [Float]
  /// Height added to each return of a laser, metres (see `vlp16`).
  let heightOffset: [Float]
  let ring: [UInt8]
  /// Nanoseconds from the packet timestamp to the firing of (block, channel), block-major.
  let firingOffsetNanoseconds: [Int64]
  /// The same offsets in seconds as Float, for azimuth interpolation as the peers do it.
  let firingOffsetSeconds: [Float]

  public static func builtIn(for model: VelodyneModel) -> LaserTable? {
    switch model {
    case .vlp16: vlp16
    default: nil
    }
  }

  /// VLP-16: lasers alternate −15°, +1°, −13°, +3°, … +15°. Each block holds two 16-laser
  /// sequences; a sequence lasts 55.296 µs with 2.304 µs between lasers (VLP-16 manual §9).
  /// The beams cross at a focal point f = 41.91 mm out from the axis, so a return at range d
  /// lies at height d·sin(v) − f·tan(v): the documented vertical offsets, derived as
  /// velodyne-decoder derives them, which keeps the two decoders' points comparable.
  static let vlp16: LaserTable = {
    let verticalDegrees: [Double] = (0..<16).map { laser in
      laser % 2 == 0 ? -15 + Double(laser) : Double(laser)
    }
    var offsets = [Int64]()
    for block in 0..<VelodynePacketLayout.blockCount {
      for channel in 0..<VelodynePacketLayout.channelsPerBlock {
        let sequence = Int64(2 * block + channel / 16)
        offsets.append(55_296 * sequence + 2_304 * Int64(channel % 16))
      }
    }
    return LaserTable(
      model: .vlp16, verticalDegrees: verticalDegrees, focalDistance: 0.04191,
      distanceUnit: 0.002, firingOffsetNanoseconds: offsets)
  }()

  init(
    model: VelodyneModel, verticalDegrees: [Double], focalDistance: Double,
    distanceUnit: Float, firingOffsetNanoseconds: [Int64]
  ) {
    self.model = model
    self.laserCount = verticalDegrees.count
    self.distanceUnit = distanceUnit
    let radians = verticalDegrees.map { Float($0 * .pi / 180) }
    cosVertical = radians.map { cosf($0) }
    sinVertical = radians.map { sinf($0) }
    heightOffset = verticalDegrees.map { Float(-focalDistance * tan($0 * .pi / 180)) }
    // Rings count upward from the lowest beam.
    let order = verticalDegrees.indices.sorted { verticalDegrees[$0] < verticalDegrees[$1] }
    var ring = [UInt8](repeating: 0, count: verticalDegrees.count)
    for (rank, laser) in order.enumerated() { ring[laser] = UInt8(rank) }
    self.ring = ring
    self.firingOffsetNanoseconds = firingOffsetNanoseconds
    firingOffsetSeconds = firingOffsetNanoseconds.map { Float(Double($0) * 1e-9) }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
