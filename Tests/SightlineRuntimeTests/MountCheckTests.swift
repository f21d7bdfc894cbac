import Foundation
import SightlineRigCheck
import Testing

/// Hand-made clouds in the vehicle frame: flat ground (z = 0) with ±2 cm of range noise, seen by
/// a sensor over an x and y range, and a parked car (no ground visible under it) in the overlap.
struct GroundScene {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  /// A uniform value in [0, 1) (SplitMix64).
  mutating func unit() -> Double {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
  }

  /// 64 ground points per square metre over `x` × `y`, one in each 12.5 cm square (16 a
  /// cell), and the car's body over its cells.
  mutating func cloud(x: ClosedRange<Double>, y: ClosedRange<Double>, car: Bool = true)
    -> [SIMD3<Float>]
  {
    let step = 0.125
    let columns = Int(((x.upperBound - x.lowerBound) / step).rounded())
    let rows = Int(((y.upperBound - y.lowerBound) / step).rounded())
    var points: [SIMD3<Float>] = []
    for column in 0..<columns {
      for row in 0..<rows {
        let px = x.lowerBound + (Double(column) + unit()) * step
        let py = y.lowerBound + (Double(row) + unit()) * step
        let noise = (unit() * 2 - 1) * 0.02
        let under = car && (12.0...15.0).contains(px) && (2.0...4.0).contains(py)
        // Under the car the sensor sees its flat underside (0.3 m) and its sides up to 1.5 m.
        let pz = !under ? noise : unit() < 0.5 ? 0.3 + noise : 0.5 + unit()
        points.append(SIMD3(Float(px), Float(py), Float(pz)))
      }
    }
    return points
  }

  /// Points turned by `degrees` about the axis through `pivot` (a wrong pitch: about y).
  static func rotated(
    _ points: [SIMD3<Float>], degrees: Double, about axis: Int, pivot: SIMD3<Float>
  ) -> [SIMD3<Float>] {
    let angle = degrees * .pi / 180
    let (c, s) = (Float(cos(angle)), Float(sin(angle)))
    return points.map { point in
      let p = point - pivot
      let turned =
        axis == 1
        ? SIMD3(c * p.x + s * p.z, p.y, -s * p.x + c * p.z)
        : SIMD3(p.x, c * p.y - s * p.z, s * p.y + c * p.z)
      return turned + pivot
    }
  }
}

@Suite struct MountCheckTests {
  /// Sensor A sees x from −10 to 20 m, sensor B from 5 to 35 m: 15 × 20 m in common.
  static func clouds() -> (a: [SIMD3<Float>], b: [SIMD3<Float>]) {
    var first = GroundScene(seed: 1)
    var second = GroundScene(seed: 2)
    return (first.cloud(x: -10...20, y: -10...10), second.cloud(x: 5...35, y: -10...10))
  }

  @Test func twoSensorsOnTheSameGroundAgree() throws {
    let (a, b) = Self.clouds()
    let result = try MountCheck.check(a, b)
    #expect(result.overlapCells == 30 * 40)
    // The car's 6 × 4 cells are rejected by both fits, and nothing else.
    #expect(result.firstInlierCells == 1200 - 24 && result.secondInlierCells == 1200 - 24)
    #expect(abs(result.heightDifference) < 0.005)
    #expect(result.tiltDifferenceDegrees < 0.05)
    #expect(abs(result.centroid.x - 12.5) < 1e-9 && abs(result.centroid.y) < 1e-9)
    // Uniform ±2 cm noise has an RMS of 1.15 cm; the other's plane adds almost nothing.
    #expect(result.firstToSecondRMS < 0.0125 && result.secondToFirstRMS < 0.0125)
    #expect(abs(result.firstToSecondRMS - result.firstOwnRMS) < 0.001)
    print("mount check, same ground: \(result.summary)")
  }

  @Test func aMountTenCentimetresTooLowShowsAsHeight() throws {
    let (a, b) = Self.clouds()
    let result = try MountCheck.check(a, b.map { $0 + SIMD3(0, 0, 0.10) })
    #expect(abs(result.heightDifference - 0.10) < 0.01)
    #expect(result.tiltDifferenceDegrees < 0.05)
    // 10 cm off the other's plane, with the noise on top: √(0.1² + 0.0115²) ≈ 0.1007.
    #expect(abs(result.firstToSecondRMS - 0.10) < 0.005)
    #expect(abs(result.secondToFirstRMS - 0.10) < 0.005)
    #expect(result.secondOwnRMS < 0.0125)
    print("mount check, +10 cm: \(result.summary)")
  }

  @Test func aPitchTwoDegreesOffShowsAsTilt() throws {
    let (a, b) = Self.clouds()
    let sensor = SIMD3<Float>(25, 0, 1.6)
    let pitched = GroundScene.rotated(b, degrees: 2, about: 1, pivot: sensor)
    let result = try MountCheck.check(a, pitched)
    #expect(abs(result.tiltDifferenceDegrees - 2) < 0.2)
    #expect(abs(abs(result.pitchDifferenceDegrees) - 2) < 0.2)
    #expect(abs(result.rollDifferenceDegrees) < 0.1)
    print("mount check, pitch 2°: \(result.summary)")
  }

  @Test func aRollOneAndAHalfDegreesOffShowsAsRoll() throws {
    let (a, b) = Self.clouds()
    let rolled = GroundScene.rotated(b, degrees: 1.5, about: 0, pivot: SIMD3(25, 0, 1.6))
    let result = try MountCheck.check(a, rolled)
    #expect(abs(result.tiltDifferenceDegrees - 1.5) < 0.2)
    #expect(abs(abs(result.rollDifferenceDegrees) - 1.5) < 0.2)
    #expect(abs(result.pitchDifferenceDegrees) < 0.1)
  }

  @Test func cloudsThatDoNotOverlapSaySo() {
    var first = GroundScene(seed: 1)
    var second = GroundScene(seed: 2)
    let a = first.cloud(x: -10...0, y: -10...10)
    let b = second.cloud(x: 10...20, y: -10...10)
    #expect(throws: MountCheck.Failure.noOverlap) { try MountCheck.check(a, b) }
    #expect(throws: MountCheck.Failure.noOverlap) { try MountCheck.check(a, []) }
    // A strip of 2 × 2 cells in common is not enough to fit a plane on.
    let c = second.cloud(x: -1...10, y: -10...(-9), car: false)
    #expect(throws: MountCheck.Failure.tooFewOverlapCells(found: 4, needed: 12)) {
      try MountCheck.check(a, c)
    }
  }

  @Test func anOverlapAlongALineIsNotAPlane() {
    let line = (0..<400).map { SIMD3<Float>(Float($0) * 0.05, 0.2, 0) }
    #expect(throws: MountCheck.Failure.degenerateOverlap) { try MountCheck.check(line, line) }
  }

  @Test func theSameCloudsGiveTheSameNumbers() throws {
    let (a, b) = Self.clouds()
    let lifted = b.map { $0 + SIMD3(0, 0, 0.05) }
    #expect(try MountCheck.check(a, lifted) == MountCheck.check(a, lifted))
  }
}
