import SightlineLidar

/// Each sensor's points in the vehicle frame from the first `spanNanoseconds` of a drive's
/// merged frames, for `MountCheck`. A frame's `segments` say which points are whose; a segment
/// counts when its sweep ended within the span of the first one's end, so the ego moves little
/// between the clouds compared (no ego-motion compensation: keep the span short, and the vehicle
/// parked or slow). Pure: frames in, points and reports out.
public struct MountSamples: Sendable {
  /// Per sensor index: its points (x, y, z), vehicle frame.
  public private(set) var points: [[SIMD3<Float>]]
  /// Per sensor index: how many of its sweeps were taken.
  public private(set) var sweeps: [Int]
  public let spanNanoseconds: Int64
  private var firstEnd: Int64?
  /// Set once a segment ends past the span: nothing more is taken.
  public private(set) var isFull = false

  public init(sensors: Int, spanNanoseconds: Int64 = 1_000_000_000) {
    points = Array(repeating: [], count: sensors)
    sweeps = Array(repeating: 0, count: sensors)
    self.spanNanoseconds = spanNanoseconds
  }

  /// Takes the frame's segments that end inside the span (segments of a sweep whose clock was
  /// off carry no points and are skipped).
  public mutating func add(_ frame: borrowing Sweep) {
    guard !isFull else { return }
    for segment in frame.segments
    where !segment.clockOff && points.indices.contains(segment.sensor) {
      let first = firstEnd ?? segment.sweepEndNanoseconds
      firstEnd = first
      guard segment.sweepEndNanoseconds - first <= spanNanoseconds else {
        isFull = true
        continue
      }
      sweeps[segment.sensor] += 1
      for index in segment.range {
        let p = frame.points[index]
        points[segment.sensor].append(SIMD3(p.x, p.y, p.z))
      }
    }
  }

  /// `MountCheck` for every pair of the `enabled` sensors (by index, in order), named by
  /// `names`.
  public func reports(
    names: [String], enabled: [Bool], settings: MountCheck.Settings = .vehicleGround
  ) -> [MountReport] {
    let used = points.indices.filter { enabled.indices.contains($0) && enabled[$0] }
    var reports = [MountReport]()
    for (position, first) in used.enumerated() {
      for second in used.dropFirst(position + 1) {
        var report = MountReport(first: names[first], second: names[second])
        do {
          report.take(try MountCheck.check(points[first], points[second], settings: settings))
        } catch {
          report.take(error)
        }
        reports.append(report)
      }
    }
    return reports
  }
}
