// Geodesy: exact WGS-84 geodetic ↔ local East-North-Up through ECEF, and compass heading ↔ ENU
// yaw. Pure math, no approximation of the earth as flat or spherical, so 10 km stays sub-mm.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A WGS-84 position: degrees (north, east positive) and height above the ellipsoid in metres.
public struct GeodeticPosition: Sendable, Equatable, Hashable {
  public var latitudeDegrees: Double
  public var longitudeDegrees: Double
  public var heightMeters: Double

  public init(latitudeDegrees: Double, longitudeDegrees: Double, heightMeters: Double = 0) {
    self.latitudeDegrees = latitudeDegrees
    self.longitudeDegrees = longitudeDegrees
    self.heightMeters = heightMeters
  }
}

/// A point in a local East-North-Up frame, metres from the plane's origin.
public struct ENUPoint: Sendable, Equatable, Hashable {
  public var east: Double
  public var north: Double
  public var up: Double

  public init(east: Double, north: Double, up: Double = 0) {
    self.east = east
    self.north = north
    self.up = up
  }
}

/// The local tangent plane at `origin`: ENU axes east, north and up (ellipsoid normal).
public struct LocalTangentPlane: Sendable, Equatable {
  public let origin: GeodeticPosition

  // Cached origin in ECEF and the rotation's trigonometry: every conversion reuses them.
  private let originX: Double
  private let originY: Double
  private let originZ: Double
  private let sinLat: Double
  private let cosLat: Double
  private let sinLon: Double
  private let cosLon: Double

  public init(origin: GeodeticPosition) {
    self.origin = origin
    let lat = origin.latitudeDegrees * WGS84.radiansPerDegree
    let lon = origin.longitudeDegrees * WGS84.radiansPerDegree
    sinLat = sin(lat)
    cosLat = cos(lat)
    sinLon = sin(lon)
    cosLon = cos(lon)
    (originX, originY, originZ) = WGS84.ecef(origin)
  }

  /// Geodetic → ENU (exact: ECEF difference rotated into the origin's tangent frame).
  public func enu(_ p: GeodeticPosition) -> ENUPoint {
    let (x, y, z) = WGS84.ecef(p)
    let dx = x - originX
    let dy = y - originY
    let dz = z - originZ
    let t = cosLon * dx + sinLon * dy
    return ENUPoint(
      east: -sinLon * dx + cosLon * dy,
      north: -sinLat * t + cosLat * dz,
      up: cosLat * t + sinLat * dz)
  }

  /// ENU → geodetic (rotation back to ECEF, then the iterated Bowring inverse; < 1 µm).
  public func geodetic(_ p: ENUPoint) -> GeodeticPosition {
    let t = -sinLat * p.north + cosLat * p.up
    let dx = cosLon * t - sinLon * p.east
    let dy = sinLon * t + cosLon * p.east
    let dz = cosLat * p.north + sinLat * p.up
    return WGS84.geodetic(x: originX + dx, y: originY + dy, z: originZ + dz)
  }
}

/// Compass heading (degrees clockwise from north, as J2735 heading and GPRMC course) → ENU yaw
/// (radians counter-clockwise from east), wrapped to (-π, π].
public func headingToENUYaw(degreesFromNorthClockwise heading: Double) -> Double {
  wrapRadians(Double.pi / 2 - heading * WGS84.radiansPerDegree)
}

/// ENU yaw (radians counter-clockwise from east) → compass heading in degrees [0, 360).
public func enuYawToHeading(radiansFromEastCounterClockwise yaw: Double) -> Double {
  var degrees = (90 - yaw / WGS84.radiansPerDegree).truncatingRemainder(dividingBy: 360)
  if degrees < 0 { degrees += 360 }
  // -0.0 and rounding up to exactly 360 both mean north.
  return degrees >= 360 || degrees == 0 ? 0 : degrees
}

/// Wraps an angle to (-π, π]. File-private: EgoPose.swift keeps its own copy, so no module name
/// is taken from the engineers writing the other timeline files.
private func wrapRadians(_ angle: Double) -> Double {
  var a = angle.truncatingRemainder(dividingBy: 2 * Double.pi)
  if a > Double.pi { a -= 2 * Double.pi }
  if a <= -Double.pi { a += 2 * Double.pi }
  return a
}

/// WGS-84 constants and the ECEF conversions (namespaced to avoid clashes inside the module).
private enum WGS84 {
  static let a = 6_378_137.0
  static let f = 1 / 298.257_223_563
  static let b = a * (1 - f)
  static let e2 = f * (2 - f)  // first eccentricity squared
  static let ep2 = e2 / (1 - e2)  // second eccentricity squared
  static let radiansPerDegree = Double.pi / 180

  static func ecef(_ p: GeodeticPosition) -> (Double, Double, Double) {
    let lat = p.latitudeDegrees * radiansPerDegree
    let lon = p.longitudeDegrees * radiansPerDegree
    let sLat = sin(lat)
    let cLat = cos(lat)
    let n = a / (1 - e2 * sLat * sLat).squareRoot()  // prime vertical radius
    let r = (n + p.heightMeters) * cLat
    return (r * cos(lon), r * sin(lon), (n * (1 - e2) + p.heightMeters) * sLat)
  }

  /// Bowring's method iterated on the reduced latitude. It converges cubically: two passes reach
  /// 1e-12 rad for any height near the earth; we stop on convergence or after 6 passes.
  static func geodetic(x: Double, y: Double, z: Double) -> GeodeticPosition {
    let p = (x * x + y * y).squareRoot()
    let lon = atan2(y, x)
    var beta = atan2(a * z, b * p)
    var lat = 0.0
    for _ in 0..<6 {
      let sb = sin(beta)
      let cb = cos(beta)
      lat = atan2(z + ep2 * b * sb * sb * sb, p - e2 * a * cb * cb * cb)
      let next = atan2((1 - f) * sin(lat), cos(lat))
      if abs(next - beta) < 1e-15 { break }
      beta = next
    }
    let sLat = sin(lat)
    // Stable at the poles and the equator alike (no division by cos or sin of the latitude).
    let h = p * cos(lat) + z * sLat - a * (1 - e2 * sLat * sLat).squareRoot()
    return GeodeticPosition(
      latitudeDegrees: lat / radiansPerDegree, longitudeDegrees: lon / radiansPerDegree,
      heightMeters: h)
  }
}
