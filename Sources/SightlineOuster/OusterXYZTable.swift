#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The per-pixel lookup table that turns a range into a point, as ouster-sdk's `XYZLut(info,
/// use_extrinsics=False)` builds it: point = range × direction + offset, in metres in the
/// sensor frame. Built once per metadata; decoding only multiplies and adds.
///
/// For column c (the measurement id) of w and row r:
/// - encoder angle θe = 2π − 2πc/w (the lidar frame turns clockwise seen from above),
///   beam azimuth θa = −azimuth[r], altitude φ = altitude[r];
/// - direction = (cos(θe+θa)·cos φ, sin(θe+θa)·cos φ, sin φ);
/// - the beam origin: n = beam_to_lidar x translation (or the norm of its x and z translations
///   when z is not 0), offset = (cos θe·bx − n·dir.x, sin θe·bx − n·dir.y, bz − n·dir.z);
/// - both turned by lidar_to_sensor_transform's rotation, its translation added to the offset,
///   then millimetres → metres.
public struct OusterXYZTable: Sendable {
  public let rows: Int
  public let columns: Int
  /// Per pixel at `column * rows + row` (a column's pixels sit together, as in a packet):
  /// metres per millimetre of range.
  let direction: [SIMD4<Float>]
  /// Per pixel: the point of a zero range, metres.
  let offset: [SIMD4<Float>]
  /// Per column: its encoder azimuth in the sensor frame, centidegrees clockwise from +x.
  let columnAzimuth: [UInt16]

  public init(_ metadata: OusterMetadata) {
    rows = metadata.pixelsPerColumn
    columns = metadata.columnsPerFrame
    let geometry = Geometry(metadata)
    var direction: [SIMD4<Float>] = []
    var offset: [SIMD4<Float>] = []
    direction.reserveCapacity(rows * columns)
    offset.reserveCapacity(rows * columns)
    for column in 0..<columns {
      let encoder = 2 * Double.pi - Double(column) * 2 * Double.pi / Double(columns)
      for row in 0..<rows {
        let pixel = geometry.pixel(encoder: encoder, row: row)
        direction.append(pixel.direction)
        offset.append(pixel.offset)
      }
    }
    self.direction = direction
    self.offset = offset
    let count = columns
    columnAzimuth = (0..<count).map { column in
      geometry.azimuthCentidegrees(encoder: 2 * Double.pi * (1 - Double(column) / Double(count)))
    }
  }

  /// The point of pixel (`row`, `column`) at `rangeMillimetres`.
  @inline(__always) public func point(row: Int, column: Int, rangeMillimetres: UInt32) -> SIMD4<
    Float
  > {
    let index = column * rows + row
    return direction[index] * Float(rangeMillimetres) + offset[index]
  }

  /// The column's encoder azimuth in the sensor frame: centidegrees clockwise seen from above,
  /// from the sensor's +x (with the usual lidar_to_sensor turn of 180°, column 0 is 18000).
  public func azimuthCentidegrees(column: Int) -> UInt16 { columnAzimuth[column] }
}

extension OusterXYZTable {
  /// The metadata's angles and transforms, in radians and matrix form.
  struct Geometry {
    let azimuth: [Double]
    let altitude: [Double]
    let beamX: Double
    let beamZ: Double
    let beamDistance: Double
    /// lidar_to_sensor: rotation rows and translation, millimetres.
    let rotation: [SIMD3<Double>]
    let translation: SIMD3<Double>

    init(_ metadata: OusterMetadata) {
      azimuth = metadata.beamAzimuthAngles.map { -$0 * Double.pi / 180 }
      altitude = metadata.beamAltitudeAngles.map { $0 * Double.pi / 180 }
      let beam = metadata.beamToLidarTransform
      beamX = beam[3]
      beamZ = beam[11]
      beamDistance = beamZ != 0 ? (beamX * beamX + beamZ * beamZ).squareRoot() : beamX
      let m = metadata.lidarToSensorTransform
      rotation = (0..<3).map { SIMD3(m[4 * $0], m[4 * $0 + 1], m[4 * $0 + 2]) }
      translation = SIMD3(m[3], m[7], m[11])
    }

    func turned(_ v: SIMD3<Double>) -> SIMD3<Double> {
      SIMD3((rotation[0] * v).sum(), (rotation[1] * v).sum(), (rotation[2] * v).sum())
    }

    func pixel(encoder: Double, row: Int) -> (direction: SIMD4<Float>, offset: SIMD4<Float>) {
      let (theta, phi) = (encoder + azimuth[row], altitude[row])
      let direction = SIMD3(cos(theta) * cos(phi), sin(theta) * cos(phi), sin(phi))
      let origin = SIMD3(cos(encoder) * beamX, sin(encoder) * beamX, beamZ)
      let offset = origin - direction * beamDistance
      let metresPerMillimetre = 0.001
      let d = turned(direction) * metresPerMillimetre
      let o = (turned(offset) + translation) * metresPerMillimetre
      return (
        SIMD4(Float(d.x), Float(d.y), Float(d.z), 0), SIMD4(Float(o.x), Float(o.y), Float(o.z), 0)
      )
    }

    func azimuthCentidegrees(encoder: Double) -> UInt16 {
      let heading = turned(SIMD3(cos(encoder), sin(encoder), 0))
      let clockwise = -atan2(heading.y, heading.x) * 18000 / Double.pi
      let wrapped = (clockwise.rounded()).truncatingRemainder(dividingBy: 36000)
      let positive = wrapped < 0 ? wrapped + 36000 : wrapped
      return UInt16(positive >= 36000 ? 0 : positive)
    }
  }
}
