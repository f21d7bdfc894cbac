#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Per-laser geometry and firing times of one model, precomputed once so that decoding is table
/// lookups. Built-in tables follow the manuals; geometry and offsets follow velodyne-decoder's
/// defaults so that the two decoders' points compare directly.
public struct LaserTable: Sendable {
  public let model: VelodyneModel
  public let laserCount: Int
  /// Metres per distance unit: 2 mm, or 4 mm on VLS-128.
  public let distanceUnit: Float
  let cosVertical: [Float]
  let sinVertical: [Float]
  /// Height added to every return of a laser, metres: the beams do not start on the axis.
  let heightOffset: [Float]
  /// Horizontal angle of each laser relative to the block azimuth, as cos/sin.
  let cosRotation: [Float]
  let sinRotation: [Float]
  let ring: [UInt8]
  /// Firing time of (column, slot) after the packet timestamp, nanoseconds, at
  /// `column * Self.slotsPerColumn + slot`. A column is one firing of every laser (one block,
  /// a block pair in dual mode, or four bank blocks on VLS-128); a slot is a laser's place in it.
  let firingOffsetNanoseconds: [Int64]
  /// The same in seconds as Float, for azimuth interpolation as the peers do it.
  let firingOffsetSeconds: [Float]

  public static let slotsPerColumn = 128
  static let columnCount = 12

  public static func builtIn(for model: VelodyneModel) -> LaserTable {
    switch model {
    case .vlp16: vlp16
    case .puckHiRes: puckHiRes
    case .hdl32e: hdl32e
    case .vlp32c: vlp32c
    case .vls128: vls128
    }
  }

  /// Maps a block's channel to (laser, slot). VLP-16 blocks hold two 16-laser sequences.
  @inline(__always) func laserAndSlot(channel: Int, bank: Int) -> (laser: Int, slot: Int) {
    laserCount == 16 ? (channel & 15, channel) : (bank * 32 + channel, bank * 32 + channel)
  }

  // VLP-16 and Puck Hi-Res: a sequence of 16 firings lasts 55.296 µs, 2.304 µs apart; each
  // column (block) holds two sequences.
  static func puckTiming(column: Int, slot: Int) -> Int64 {
    55_296 * Int64(2 * column + slot / 16) + 2_304 * Int64(slot % 16)
  }

  static let vlp16 = LaserTable(
    model: .vlp16,
    verticalDegrees: [-15, 1, -13, 3, -11, 5, -9, 7, -7, 9, -5, 11, -3, 13, -1, 15],
    // The beams cross at a focal point 41.91 mm from the axis: offset = f·tan(−v).
    heightOffsets: .focalDistance(0.04191), distanceUnit: 0.002, timing: puckTiming)

  static let puckHiRes = LaserTable(
    model: .puckHiRes,
    verticalDegrees: [
      -10, 0.667, -8.667, 2, -7.333, 3.333, -6, 4.667, -4.667, 6, -3.333, 7.333, -2, 8.667,
      -0.667, 10,
    ],
    heightOffsets: .millimetres([
      7.4, -0.9, 6.5, -1.8, 5.5, -2.7, 4.6, -3.7, 3.7, -4.6, 2.7, -5.5, 1.8, -6.5, 0.9, -7.4,
    ]), distanceUnit: 0.002, timing: puckTiming)

  /// HDL-32E: 32 lasers per block fire 1.152 µs apart in a 46.080 µs cycle.
  static let hdl32e = LaserTable(
    model: .hdl32e,
    verticalDegrees: [
      -30.67, -9.33, -29.33, -8, -28, -6.67, -26.67, -5.33, -25.33, -4, -24, -2.67, -22.67,
      -1.33, -21.33, 0, -20, 1.33, -18.67, 2.67, -17.33, 4, -16, 5.33, -14.67, 6.67, -13.33, 8,
      -12, 9.33, -10.67, 10.67,
    ],
    heightOffsets: .millimetres([
      17.17, 4.76, 16.27, 4.07, 15.4, 3.38, 14.54, 2.7, 13.71, 2.02, 12.89, 1.35, 12.09, 0.67,
      11.31, 0, 10.54, -0.67, 9.78, -1.35, 9.04, -2.02, 8.3, -2.7, 7.58, -3.38, 6.86, -4.07,
      6.15, -4.76, 5.45, -5.45,
    ]), distanceUnit: 0.002,
    timing: { column, slot in 46_080 * Int64(column) + 1_152 * Int64(slot) })

  /// VLP-32C: lasers fire in pairs every 2.304 µs in a 55.296 µs cycle.
  static let vlp32c = LaserTable(
    model: .vlp32c,
    verticalDegrees: [
      -25, -1, -1.667, -15.639, -11.31, 0, -0.667, -8.843, -7.254, 0.333, -0.333, -6.148,
      -5.333, 1.333, 0.667, -4, -4.667, 1.667, 1, -3.667, -3.333, 3.333, 2.333, -2.667, -3, 7,
      4.667, -2.333, -2, 15, 10.333, -1.333,
    ],
    rotationDegrees: [
      -1.4, 4.2, -1.4, 1.4, -1.4, 1.4, -4.2, 1.4, -1.4, 4.2, -1.4, 1.4, -4.2, 1.4, -4.2, 1.4,
      -1.4, 4.2, -1.4, 4.2, -4.2, 1.4, -1.4, 1.4, -1.4, 1.4, -1.4, 4.2, -4.2, 1.4, -1.4, 1.4,
    ],
    heightOffsets: .focalDistance(0.0424), distanceUnit: 0.004,
    timing: { column, slot in 55_296 * Int64(column) + 2_304 * Int64(slot / 2) })

  /// VLS-128: four bank blocks make one firing sequence of 53.333 µs; lasers fire in groups of
  /// eight, 2.667 µs apart, with two idle groups after lasers 0–63. The packet time marks the
  /// fourth group: 7 µs after the first (velodyne-decoder uses the same alignment).
  static let vls128: LaserTable = {
    var vertical = [Double]()
    var rotation = [Double]()
    for (rot, vert) in alphaPrimeAngles {
      rotation.append(rot)
      vertical.append(vert)
    }
    return LaserTable(
      model: .vls128, verticalDegrees: vertical, rotationDegrees: rotation,
      heightOffsets: .focalDistance(0.05863), distanceUnit: 0.004,
      timing: { column, slot in
        let group = Int64(slot / 8 + 2 * (slot / 64))
        return (Int64(column) * 160_000 + group * 8_000) / 3 - 7_000
      })
  }()

  enum HeightOffsets {
    case focalDistance(Double)
    case millimetres([Double])
  }

  /// A table from a calibration file (VeloView `.xml`, ros-drivers or nebula `.yaml`): the
  /// model's firing timing with the file's per-laser angles and vertical offsets.
  public init(model: VelodyneModel, corrections: [LaserCorrection], distanceUnit: Float? = nil)
    throws(CalibrationError)
  {
    let builtIn = Self.builtIn(for: model)
    guard corrections.count == builtIn.laserCount else {
      throw CalibrationError.laserCount(
        model: model, expected: builtIn.laserCount,
        found: corrections.count)
    }
    for (index, laser) in corrections.enumerated() {
      guard laser.verticalDegrees.isFinite, abs(laser.verticalDegrees) < 90,
        laser.rotationDegrees.isFinite, abs(laser.rotationDegrees) < 180,
        laser.verticalOffsetMeters.isFinite, abs(laser.verticalOffsetMeters) < 1
      else { throw CalibrationError.implausibleLaser(index) }
    }
    self.init(
      model: model, verticalDegrees: corrections.map(\.verticalDegrees),
      rotationDegrees: corrections.map(\.rotationDegrees),
      heightOffsets: .millimetres(corrections.map { $0.verticalOffsetMeters * 1000 }),
      distanceUnit: distanceUnit ?? builtIn.distanceUnit,
      firingOffsetNanoseconds: builtIn.firingOffsetNanoseconds)
  }

  init(
    model: VelodyneModel, verticalDegrees: [Double], rotationDegrees: [Double]? = nil,
    heightOffsets: HeightOffsets, distanceUnit: Float,
    timing: (_ column: Int, _ slot: Int) -> Int64
  ) {
    var offsets = [Int64]()
    offsets.reserveCapacity(Self.columnCount * Self.slotsPerColumn)
    for column in 0..<Self.columnCount {
      for slot in 0..<Self.slotsPerColumn { offsets.append(timing(column, slot)) }
    }
    self.init(
      model: model, verticalDegrees: verticalDegrees, rotationDegrees: rotationDegrees,
      heightOffsets: heightOffsets, distanceUnit: distanceUnit, firingOffsetNanoseconds: offsets)
  }

  init(
    model: VelodyneModel, verticalDegrees: [Double], rotationDegrees: [Double]?,
    heightOffsets: HeightOffsets, distanceUnit: Float, firingOffsetNanoseconds offsets: [Int64]
  ) {
    self.model = model
    laserCount = verticalDegrees.count
    self.distanceUnit = distanceUnit
    let radians = verticalDegrees.map { Float($0 * .pi / 180) }
    cosVertical = radians.map { cosf($0) }
    sinVertical = radians.map { sinf($0) }
    switch heightOffsets {
    case .focalDistance(let f):
      heightOffset = radians.map { Float(f * tan(-Double($0))) }
    case .millimetres(let values):
      heightOffset = values.map { Float($0 / 1000) }
    }
    let rotation = (rotationDegrees ?? Array(repeating: 0, count: laserCount)).map {
      Float($0 * .pi / 180)
    }
    cosRotation = rotation.map { cosf($0) }
    sinRotation = rotation.map { sinf($0) }
    // Rings count upward from the lowest beam.
    let order = verticalDegrees.indices.sorted { verticalDegrees[$0] < verticalDegrees[$1] }
    var ring = [UInt8](repeating: 0, count: laserCount)
    for (rank, laser) in order.enumerated() { ring[laser] = UInt8(rank) }
    self.ring = ring
    firingOffsetNanoseconds = offsets
    firingOffsetSeconds = offsets.map { Float(Double($0) * 1e-9) }
  }
}

/// One laser's geometry from a calibration file. Angles in degrees, offsets in metres.
public struct LaserCorrection: Sendable, Equatable {
  public var verticalDegrees: Double
  /// Horizontal angle relative to the block azimuth (positive: counter-clockwise seen from above,
  /// as VeloView's rotCorrection).
  public var rotationDegrees: Double
  /// Height added to every return of this laser.
  public var verticalOffsetMeters: Double

  public init(verticalDegrees: Double, rotationDegrees: Double, verticalOffsetMeters: Double) {
    self.verticalDegrees = verticalDegrees
    self.rotationDegrees = rotationDegrees
    self.verticalOffsetMeters = verticalOffsetMeters
  }
}

public enum CalibrationError: Error, Equatable, CustomStringConvertible {
  case laserCount(model: VelodyneModel, expected: Int, found: Int)
  case implausibleLaser(Int)
  case unreadable(String)

  public var description: String {
    switch self {
    case .laserCount(let model, let expected, let found):
      "a \(model) has \(expected) lasers but the calibration describes \(found)"
    case .implausibleLaser(let index): "laser \(index) has an impossible angle or offset"
    case .unreadable(let reason): reason
    }
  }
}

/// VLS-128 (and Alpha Prime) default angles, degrees: (horizontal, vertical) per laser.
let alphaPrimeAngles: [(Double, Double)] = [
  (-6.354, -11.742), (-4.548, -1.99), (-2.732, 3.4), (-0.911, -5.29), (0.911, -0.78),
  (2.732, 4.61), (4.548, -4.08), (6.354, 1.31), (-6.354, -6.5), (-4.548, -1.11),
  (-2.732, 4.28), (-0.911, -4.41), (0.911, 0.1), (2.732, 6.48), (4.548, -3.2),
  (6.354, 2.19), (-6.354, -3.86), (-4.548, 1.53), (-2.732, -9.244), (-0.911, -1.77),
  (0.911, 2.74), (2.732, -5.95), (4.548, -0.56), (6.354, 4.83), (-6.354, -2.98),
  (-4.548, 2.41), (-2.732, -6.28), (-0.911, -0.89), (0.911, 3.62), (2.732, -5.07),
  (4.548, 0.32), (6.354, 7.58), (-6.354, -0.34), (-4.548, 5.18), (-2.732, -3.64),
  (-0.911, 1.75), (0.911, -25), (2.732, -2.43), (4.548, 2.96), (6.354, -5.73),
  (-6.354, 0.54), (-4.548, 9.7), (-2.732, -2.76), (-0.911, 2.63), (0.911, -7.65),
  (2.732, -1.55), (4.548, 3.84), (6.354, -4.85), (-6.354, 3.18), (-4.548, -5.51),
  (-2.732, -0.12), (-0.911, 5.73), (0.911, -4.3), (2.732, 1.09), (4.548, -16.042),
  (6.354, -2.21), (-6.354, 4.06), (-4.548, -4.63), (-2.732, 0.76), (-0.911, 15),
  (0.911, -3.42), (2.732, 1.97), (4.548, -6.85), (6.354, -1.33), (-6.354, -5.62),
  (-4.548, -0.23), (-2.732, 5.43), (-0.911, -3.53), (0.911, 0.98), (2.732, -19.582),
  (4.548, -2.32), (6.354, 3.07), (-6.354, -4.74), (-4.548, 0.65), (-2.732, 11.75),
  (-0.911, -2.65), (0.911, 1.86), (2.732, -7.15), (4.548, -1.44), (6.354, 3.95),
  (-6.354, -2.1), (-4.548, 3.29), (-2.732, -5.4), (-0.911, -0.01), (0.911, 4.5),
  (2.732, -4.19), (4.548, 1.2), (6.354, -13.565), (-6.354, -1.22), (-4.548, 4.17),
  (-2.732, -4.52), (-0.911, 0.87), (0.911, 6.08), (2.732, -3.31), (4.548, 2.08),
  (6.354, -6.65), (-6.354, 1.42), (-4.548, -10.346), (-2.732, -1.88), (-0.911, 3.51),
  (0.911, -6.06), (2.732, -0.67), (4.548, 4.72), (6.354, -3.97), (-6.354, 2.3),
  (-4.548, -6.39), (-2.732, -1), (-0.911, 4.39), (0.911, -5.18), (2.732, 0.21),
  (4.548, 6.98), (6.354, -3.09), (-6.354, 4.98), (-4.548, -3.75), (-2.732, 1.64),
  (-0.911, -8.352), (0.911, -2.54), (2.732, 2.85), (4.548, -5.84), (6.354, -0.45),
  (-6.354, 8.43), (-4.548, -2.87), (-2.732, 2.52), (-0.911, -6.17), (0.911, -1.66),
  (2.732, 3.73), (4.548, -4.96), (6.354, 0.43),
]
