#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a sensor sits on the vehicle: its pose in the vehicle frame (REP 105 base_link: on the
/// ground under the rear axle, x forward, y left, z up). The rotation is R = Rz(yaw)·Ry(pitch)·
/// Rx(roll), and a point the sensor measures is, in the vehicle frame, R·point + (x, y, z).
public struct SensorMount: Sendable, Equatable {
  public var x: Double
  public var y: Double
  public var z: Double
  /// Radians, about the sensor's own x, y and z axes in that order (roll first).
  public var roll: Double
  public var pitch: Double
  public var yaw: Double

  public init(
    x: Double = 0, y: Double = 0, z: Double = 0, roll: Double = 0, pitch: Double = 0,
    yaw: Double = 0
  ) {
    self.x = x
    self.y = y
    self.z = z
    self.roll = roll
    self.pitch = pitch
    self.yaw = yaw
  }

  /// Roll, pitch and yaw in degrees as a file writes them (to 1e-9°, not the radians' last
  /// bits).
  public var degrees: (roll: Double, pitch: Double, yaw: Double) {
    func degrees(_ radians: Double) -> Double { (radians * 180 / .pi * 1e9).rounded() / 1e9 }
    return (degrees(roll), degrees(pitch), degrees(yaw))
  }

  /// R = Rz(yaw)·Ry(pitch)·Rx(roll), row-major.
  public var rotation: Rotation {
    let (cr, sr) = (cos(roll), sin(roll))
    let (cp, sp) = (cos(pitch), sin(pitch))
    let (cy, sy) = (cos(yaw), sin(yaw))
    return Rotation(
      rows: (
        (cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr),
        (sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr),
        (-sp, cp * sr, cp * cr)
      ))
  }

  /// A point of the sensor's frame in the vehicle frame: R·point + (x, y, z).
  public func vehiclePoint(_ point: Vector) -> Vector {
    let turned = rotation.apply(point)
    return Vector(x: turned.x + x, y: turned.y + y, z: turned.z + z)
  }

  /// A point of the vehicle frame in the sensor's frame: Rᵀ·(point − (x, y, z)).
  public func sensorPoint(_ point: Vector) -> Vector {
    rotation.transposed.apply(Vector(x: point.x - x, y: point.y - y, z: point.z - z))
  }

  /// A 3-vector of metres (or a unit direction).
  public struct Vector: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var z: Double
    public init(x: Double, y: Double, z: Double) {
      self.x = x
      self.y = y
      self.z = z
    }
  }

  /// A 3 × 3 rotation, row-major.
  public struct Rotation: Sendable {
    public var rows:
      (
        (Double, Double, Double), (Double, Double, Double), (Double, Double, Double)
      )

    public init(
      rows: ((Double, Double, Double), (Double, Double, Double), (Double, Double, Double))
    ) {
      self.rows = rows
    }

    /// A turn of `yaw` radians about z.
    public static func yaw(_ yaw: Double) -> Rotation {
      let (c, s) = (cos(yaw), sin(yaw))
      return Rotation(rows: ((c, -s, 0), (s, c, 0), (0, 0, 1)))
    }

    @inline(__always) public func apply(_ v: Vector) -> Vector {
      Vector(
        x: rows.0.0 * v.x + rows.0.1 * v.y + rows.0.2 * v.z,
        y: rows.1.0 * v.x + rows.1.1 * v.y + rows.1.2 * v.z,
        z: rows.2.0 * v.x + rows.2.1 * v.y + rows.2.2 * v.z)
    }

    /// self · other: `other` first, then self.
    public func multiplied(by other: Rotation) -> Rotation {
      let a = rows
      let b = other.rows
      func row(_ r: (Double, Double, Double)) -> (Double, Double, Double) {
        (
          r.0 * b.0.0 + r.1 * b.1.0 + r.2 * b.2.0, r.0 * b.0.1 + r.1 * b.1.1 + r.2 * b.2.1,
          r.0 * b.0.2 + r.1 * b.1.2 + r.2 * b.2.2
        )
      }
      return Rotation(rows: (row(a.0), row(a.1), row(a.2)))
    }

    public var transposed: Rotation {
      Rotation(
        rows: (
          (rows.0.0, rows.1.0, rows.2.0), (rows.0.1, rows.1.1, rows.2.1),
          (rows.0.2, rows.1.2, rows.2.2)
        ))
    }
  }
}
