// GeodesyTests: WGS-84 ↔ ENU against an independent implementation (pymap3d), round trips to
// 10 km at awkward places (pole, antimeridian), and compass heading ↔ ENU yaw.
import SightlineTimeline
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

private struct ForwardCase: CustomTestStringConvertible, Sendable {
  let name: String
  let origin: (Double, Double, Double)
  let target: (Double, Double, Double)
  let enu: (Double, Double, Double)
  var testDescription: String { name }
}

// Reference values from pymap3d 3.2.0 (Python 3.11.7), geodetic2enu(lat, lon, h, lat0, lon0, h0)
// with its default WGS-84 ellipsoid, printed to 1 µm. Distances ≈ 10 m, 1 km, 10 km.
private let forwardCases: [ForwardCase] = [
  .init(
    name: "mid 10m", origin: (42.3601, -71.0589, 10.0), target: (42.36015, -71.0588, 12.0),
    enu: (8.238210, 5.554029, 1.999992)),
  .init(
    name: "mid 1km", origin: (42.3601, -71.0589, 10.0), target: (42.3665, -71.051, 35.0),
    enu: (650.755374, 710.948332, 24.927144)),
  .init(
    name: "mid 10km", origin: (42.3601, -71.0589, 10.0), target: (42.43, -70.95, -20.0),
    enu: (8961.416895, 7770.271007, -41.029238)),
  .init(
    name: "svalbard 1km", origin: (78.2232, 15.6267, 50.0), target: (78.229, 15.66, 120.0),
    enu: (758.669487, 647.780472, 69.922226)),
  .init(
    name: "svalbard 10km", origin: (78.2232, 15.6267, 50.0), target: (78.28, 15.95, 0.0),
    enu: (7334.067873, 6361.815232, -57.366543)),
  .init(
    name: "antimeridian 1km", origin: (-16.5, 179.995, 5.0), target: (-16.495, -179.998, 7.5),
    enu: (747.369158, 553.307063, 2.432083)),
  .init(
    name: "antimeridian 10km", origin: (-16.5, 179.995, 5.0), target: (-16.56, -179.93, 0.0),
    enu: (8004.836434, -6641.339922, -13.500026)),
  .init(
    name: "equator 10m", origin: (0.0, 0.0, 0.0), target: (6e-05, -4e-05, 1.0),
    enu: (-4.452780, 6.634458, 0.999995)),
]

private struct InverseCase: CustomTestStringConvertible, Sendable {
  let name: String
  let origin: (Double, Double, Double)
  let enu: (Double, Double, Double)
  let geodetic: (Double, Double, Double)
  var testDescription: String { name }
}

// pymap3d 3.2.0 enu2geodetic(e, n, u, lat0, lon0, h0), printed to 1e-10° (≈ 11 µm) and 1 µm.
private let inverseCases: [InverseCase] = [
  .init(
    name: "mid", origin: (42.3601, -71.0589, 10.0), enu: (700.0, -700.0, 3.0),
    geodetic: (42.3537979461, -71.0504038653, 13.076849)),
  .init(
    name: "svalbard", origin: (78.2232, 15.6267, 50.0), enu: (-5000.0, 8000.0, -10.0),
    geodetic: (78.2947693195, 15.4060183607, 46.955888)),
  .init(
    name: "antimeridian", origin: (-16.5, 179.995, 5.0), enu: (1500.0, 200.0, 0.0),
    geodetic: (-16.4981922553, -179.9909504825, 5.179490)),
]

private func geo(_ t: (Double, Double, Double)) -> GeodeticPosition {
  GeodeticPosition(latitudeDegrees: t.0, longitudeDegrees: t.1, heightMeters: t.2)
}

private func distance(_ a: ENUPoint, _ b: ENUPoint) -> Double {
  let dx = a.east - b.east
  let dy = a.north - b.north
  let dz = a.up - b.up
  return (dx * dx + dy * dy + dz * dz).squareRoot()
}

/// Metres between two geodetic positions close together (local scale; enough for mm checks).
private func metres(_ a: GeodeticPosition, _ b: GeodeticPosition) -> Double {
  let radiansPerDegree = Double.pi / 180
  var dLon = a.longitudeDegrees - b.longitudeDegrees
  if dLon > 180 { dLon -= 360 }
  if dLon < -180 { dLon += 360 }
  let north = (a.latitudeDegrees - b.latitudeDegrees) * radiansPerDegree * 6_378_137
  let east = dLon * radiansPerDegree * 6_378_137 * cos(a.latitudeDegrees * radiansPerDegree)
  let up = a.heightMeters - b.heightMeters
  return (north * north + east * east + up * up).squareRoot()
}

@Test(arguments: forwardCases)
private func enuMatchesPymap3d(_ c: ForwardCase) {
  let plane = LocalTangentPlane(origin: geo(c.origin))
  let got = plane.enu(geo(c.target))
  let want = ENUPoint(east: c.enu.0, north: c.enu.1, up: c.enu.2)
  // The requirement is 1 cm; an exact method agrees to the printed µm, so hold it to 10 µm.
  #expect(distance(got, want) < 1e-5, "got \(got), want \(want)")
}

@Test(arguments: inverseCases)
private func geodeticMatchesPymap3d(_ c: InverseCase) {
  let plane = LocalTangentPlane(origin: geo(c.origin))
  let got = plane.geodetic(ENUPoint(east: c.enu.0, north: c.enu.1, up: c.enu.2))
  let want = geo(c.geodetic)
  #expect(metres(got, want) < 1e-4, "got \(got), want \(want)")
  #expect(got.longitudeDegrees >= -180 && got.longitudeDegrees <= 180)
}

@Test func originIsZero() {
  let origin = GeodeticPosition(
    latitudeDegrees: 48.1374, longitudeDegrees: 11.5755, heightMeters: 520)
  let plane = LocalTangentPlane(origin: origin)
  let p = plane.enu(origin)
  #expect(abs(p.east) < 1e-9 && abs(p.north) < 1e-9 && abs(p.up) < 1e-9)
  #expect(metres(plane.geodetic(ENUPoint(east: 0, north: 0, up: 0)), origin) < 1e-9)
}

@Test func northAndEastAxesPointTheRightWay() {
  let plane = LocalTangentPlane(
    origin: GeodeticPosition(latitudeDegrees: 10, longitudeDegrees: 20, heightMeters: 0))
  let north = plane.enu(GeodeticPosition(latitudeDegrees: 10.001, longitudeDegrees: 20))
  let east = plane.enu(GeodeticPosition(latitudeDegrees: 10, longitudeDegrees: 20.001))
  #expect(north.north > 100 && abs(north.east) < 1e-6)
  #expect(east.east > 100 && abs(east.north) < 0.01)
}

private let roundTripOrigins: [GeodeticPosition] = [
  GeodeticPosition(latitudeDegrees: 0, longitudeDegrees: 0, heightMeters: 0),
  GeodeticPosition(latitudeDegrees: 37.4, longitudeDegrees: -122.1, heightMeters: -30),
  GeodeticPosition(latitudeDegrees: -33.9, longitudeDegrees: 151.2, heightMeters: 60),
  GeodeticPosition(latitudeDegrees: 65.0, longitudeDegrees: 180.0, heightMeters: 100),
  GeodeticPosition(latitudeDegrees: -16.5, longitudeDegrees: -179.999, heightMeters: 5),
  GeodeticPosition(latitudeDegrees: 78.2, longitudeDegrees: 15.6, heightMeters: 2000),
  GeodeticPosition(latitudeDegrees: 89.95, longitudeDegrees: 45, heightMeters: 2800),
  GeodeticPosition(latitudeDegrees: -89.99, longitudeDegrees: -100, heightMeters: 2800),
]

@Test(arguments: roundTripOrigins)
func roundTripsWithinAMillimetreTo10km(_ origin: GeodeticPosition) {
  let plane = LocalTangentPlane(origin: origin)
  var worstENU = 0.0
  var worstGeodetic = 0.0
  for range in [10.0, 1_000.0, 10_000.0] {
    for step in 0..<16 {
      let bearing = Double(step) * Double.pi / 8
      for up in [-50.0, 0.0, 300.0] {
        let p = ENUPoint(east: range * cos(bearing), north: range * sin(bearing), up: up)
        // ENU → geodetic → ENU.
        worstENU = max(worstENU, distance(plane.enu(plane.geodetic(p)), p))
        // Geodetic → ENU → geodetic, from a geodetic point built independently of the plane.
        let g = plane.geodetic(p)
        worstGeodetic = max(worstGeodetic, metres(plane.geodetic(plane.enu(g)), g))
      }
    }
  }
  #expect(worstENU < 1e-3, "ENU round trip error \(worstENU) m")
  #expect(worstGeodetic < 1e-3, "geodetic round trip error \(worstGeodetic) m")
}

@Test func antimeridianLongitudeWraps() {
  let plane = LocalTangentPlane(
    origin: GeodeticPosition(latitudeDegrees: 0, longitudeDegrees: 179.999, heightMeters: 0))
  // 1 km east crosses 180°: the answer is a small negative longitude, not 180.008.
  let g = plane.geodetic(ENUPoint(east: 1000, north: 0, up: 0))
  #expect(g.longitudeDegrees < -179.99 && g.longitudeDegrees > -180)
  let back = plane.enu(g)
  #expect(abs(back.east - 1000) < 1e-6)
}

@Test func headingToYaw() {
  #expect(abs(headingToENUYaw(degreesFromNorthClockwise: 0) - Double.pi / 2) < 1e-12)
  #expect(abs(headingToENUYaw(degreesFromNorthClockwise: 90)) < 1e-12)
  #expect(abs(headingToENUYaw(degreesFromNorthClockwise: 180) + Double.pi / 2) < 1e-12)
  #expect(abs(abs(headingToENUYaw(degreesFromNorthClockwise: 270)) - Double.pi) < 1e-12)
  // 158.3° is south-south-east: 68.3° clockwise from east, i.e. yaw = -68.3°.
  let yaw = headingToENUYaw(degreesFromNorthClockwise: 158.3)
  #expect(abs(yaw - (-68.3 * Double.pi / 180)) < 1e-12)
  #expect(cos(yaw) > 0 && sin(yaw) < 0)  // pointing east and south
  // Angles outside [0, 360) land in (-π, π].
  #expect(abs(headingToENUYaw(degreesFromNorthClockwise: 450)) < 1e-12)
  #expect(abs(headingToENUYaw(degreesFromNorthClockwise: -90) - Double.pi) < 1e-12)
}

@Test func yawToHeading() {
  #expect(abs(enuYawToHeading(radiansFromEastCounterClockwise: Double.pi / 2)) < 1e-12)
  #expect(abs(enuYawToHeading(radiansFromEastCounterClockwise: 0) - 90) < 1e-12)
  #expect(abs(enuYawToHeading(radiansFromEastCounterClockwise: -Double.pi / 2) - 180) < 1e-12)
  #expect(abs(enuYawToHeading(radiansFromEastCounterClockwise: Double.pi) - 270) < 1e-12)
  for heading in stride(from: 0.0, to: 360.0, by: 7.3) {
    let back = enuYawToHeading(
      radiansFromEastCounterClockwise: headingToENUYaw(degreesFromNorthClockwise: heading))
    #expect(abs(back - heading) < 1e-9, "heading \(heading) came back as \(back)")
    #expect(back >= 0 && back < 360)
  }
}
