// Ground: where a return stops being ground and starts being an obstacle. The height band
// (relative to the sensor mount) is the default; `SlopedGround` follows the terrain so that a
// ramp or a crowned road is not painted as a wall. A better model plugs in by producing the
// same `ObstacleFloor` table.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Per polar cell around the sensor (sector × ring), the height above which a return is an
/// obstacle. Looked up per point; allocation-free.
public struct ObstacleFloor: Sendable {
  public let sectors: Int
  public let ringMeters: Float
  public let rings: Int
  /// sectors × rings floors, sensor-relative z, metres.
  public var floors: [Float]

  public init(sectors: Int = 90, rings: Int = 60, ringMeters: Float = 1, floor: Float) {
    self.sectors = sectors
    self.rings = rings
    self.ringMeters = ringMeters
    floors = [Float](repeating: floor, count: sectors * rings)
  }

  @inline(__always) func cell(x: Float, y: Float) -> Int {
    var sector = Int((PolarFreeSpace.fastAtan2(y, x) + .pi) * Float(sectors) / (2 * .pi))
    if sector >= sectors { sector = sectors - 1 }
    let ring = min(rings - 1, Int((x * x + y * y).squareRoot() / ringMeters))
    return sector * rings + ring
  }

  @inline(__always) public func floor(x: Float, y: Float) -> Float { floors[cell(x: x, y: y)] }
}

/// A ground model: fits a sweep, then says where obstacles start.
public protocol GroundModel {
  /// Fits the sweep's points (sensor-relative, world-aligned axes) into `floor`.
  mutating func fit(
    count: Int, into floor: inout ObstacleFloor, position: (Int) -> (x: Float, y: Float, z: Float))
}

/// Ground follows the terrain: per polar cell the lowest return is a ground candidate, accepted
/// when it is within `maximumSlope` of the ring inside it (so a car's roof is not ground);
/// cells without returns inherit from inside. Returns `clearance` above the ground are
/// obstacles.
public struct SlopedGround: GroundModel, Sendable {
  /// Ground height under the sensor, sensor-relative (minus the mount height), metres.
  public var nominal: Float
  public var clearance: Float
  /// Rise per metre of range the ground may have (0.15 = 15%).
  public var maximumSlope: Float
  var lowest: [Float] = []

  public init(nominal: Float, clearance: Float = 0.25, maximumSlope: Float = 0.15) {
    self.nominal = nominal
    self.clearance = clearance
    self.maximumSlope = maximumSlope
  }

  public mutating func fit(
    count: Int, into floor: inout ObstacleFloor, position: (Int) -> (x: Float, y: Float, z: Float)
  ) {
    if lowest.count != floor.floors.count {
      lowest = [Float](repeating: .infinity, count: floor.floors.count)  // once
    }
    for index in lowest.indices { lowest[index] = .infinity }
    for index in 0..<count {
      let p = position(index)
      guard p.x.isFinite, p.y.isFinite, p.z.isFinite, abs(p.x) < 1e5, abs(p.y) < 1e5 else {
        continue
      }
      let cell = floor.cell(x: p.x, y: p.y)
      if p.z < lowest[cell] { lowest[cell] = p.z }
    }
    let step = maximumSlope * floor.ringMeters
    for sector in 0..<floor.sectors {
      var ground = nominal
      for ring in 0..<floor.rings {
        let cell = sector * floor.rings + ring
        let candidate = lowest[cell]
        if candidate.isFinite && abs(candidate - ground) <= step + clearance {
          ground = min(max(candidate, ground - step), ground + step)
        }
        floor.floors[cell] = ground + clearance
      }
    }
  }
}
