import SightlineLidar
import SightlineSchema

/// The frame side's view of every sensor: health from the segments of each merged sweep,
/// blockage per sector of each sensor's own azimuth (`BlockageDetector`), and the points of
/// blocked sectors taken out before the grid sees them, so that their rays clear nothing.
/// Owned by the frame loop; allocation-free per frame once the first frame has sized it.
public struct SensorMonitor: Sendable {
  public private(set) var health: [SensorHealth]
  public private(set) var blockage: [BlockageDetector]

  public init(config: SightlineConfig) {
    health = config.lidar.rig.map { SensorHealth(name: $0.name, enabled: $0.enabled) }
    blockage = config.lidar.rig.map { _ in BlockageDetector() }
  }

  /// Takes a merged sweep's segments: health, then blockage, then the blocked points out.
  /// A sweep without segments (a frame without LiDAR, a test's own sweep) changes nothing.
  public mutating func observe(_ sweep: inout Sweep) {
    for index in health.indices { health[index].pointsInFrame = 0 }
    var anyBlocked = false
    for segment in sweep.segments where health.indices.contains(segment.sensor) {
      health[segment.sensor].observe(segment)
      if !segment.clockOff {
        sweep.points.withUnsafeBufferPointer { points in
          blockage[segment.sensor].observe(
            UnsafeBufferPointer(rebasing: points[segment.range]),
            coverageCentidegrees: segment.coverageCentidegrees)
        }
      }
      anyBlocked = anyBlocked || blockage[segment.sensor].blockedSectors != 0
    }
    if anyBlocked { removeBlockedPoints(&sweep) }
  }

  /// Compacts the sweep's points in place, leaving out those in their sensor's blocked
  /// sectors, and moves the segments' ranges with them.
  mutating func removeBlockedPoints(_ sweep: inout Sweep) {
    var kept = 0
    for index in sweep.segments.indices {
      let segment = sweep.segments[index]
      let detector = blockage[segment.sensor]
      let start = kept
      for point in segment.range {
        let p = sweep.points[point]
        if detector.isBlocked(azimuthCentidegrees: p.azimuthCentidegrees) { continue }
        sweep.points[kept] = p
        kept += 1
      }
      health[segment.sensor].pointsBlocked += segment.range.count - (kept - start)
      sweep.segments[index].range = start..<kept
    }
    sweep.points.removeSubrange(kept...)
  }

  /// Writes every sensor's state at `time` into `sensors` (sized once, then updated in place).
  public func write(into sensors: inout [FrameSensor], at time: Int64) {
    if sensors.count != health.count { sensors = health.map { FrameSensor(name: $0.name) } }
    for (index, health) in health.enumerated() {
      let detector = blockage[index]
      sensors[index].status = health.status(at: time, blocked: detector.blockedSectors != 0)
      sensors[index].pointsInFrame = UInt32(clamping: health.pointsInFrame)
      sensors[index].packets = UInt64(health.packets)
      sensors[index].points = UInt64(health.points)
      sensors[index].ageNanoseconds = health.lastSweepEndNanoseconds.map { max(0, time - $0) } ?? -1
      sensors[index].coverageCentidegrees = UInt32(clamping: health.lastCoverageCentidegrees)
      sensors[index].blockedSectors = detector.blockedSectors
      sensors[index].sectorCount = UInt32(detector.sectors)
    }
  }
}
