import SightlineLidar
import SightlinePcap
import SightlinePipeline

/// A capture read through the config's `LidarRig`, as a run reads it: each sensor's sweeps
/// counted, and the first `mountSpan` of its points (vehicle frame, each by its mount) kept
/// for the mount check of every pair of enabled sensors.
public final class RigPass {
  public let rig: LidarRig
  public private(set) var samples: MountSamples
  /// Per sensor: its sweeps that reached a frame.
  public private(set) var sweeps: [Int]

  public init(config: SightlineConfig, mountSpanNanoseconds: Int64 = 1_000_000_000) throws {
    rig = try LidarRig(config: config)
    samples = MountSamples(sensors: rig.sensors.count, spanNanoseconds: mountSpanNanoseconds)
    sweeps = Array(repeating: 0, count: rig.sensors.count)
  }

  /// Several sensors: per-sensor reports and mount checks mean something.
  public var isRig: Bool { rig.sensors.count > 1 }

  /// The rig's `onFrame`.
  public func frame(_ sweep: inout Sweep, _: Int64) {
    for segment in sweep.segments where !segment.clockOff { sweeps[segment.sensor] += 1 }
    if isRig { samples.add(sweep) }
  }

  /// Each sensor's counts (after the rig's `flush`) and clock.
  public var sensors: [RigSensorReport] {
    let counts = rig.sensorCounts
    return rig.sensors.indices.map { index in
      var report = RigSensorReport(
        name: rig.sensors[index].name, port: Int(rig.ingests[index].ports.first ?? 0),
        enabled: rig.sensors[index].enabled, packets: counts[index].packets,
        points: counts[index].points, sweeps: sweeps[index])
      if let estimate = rig.ingests[index].clock.estimate {
        report.clockOffsetMilliseconds = Double(estimate.offsetNanoseconds) / 1e6
        report.clockDriftPartsPerMillion = estimate.driftPartsPerMillion
      }
      return report
    }
  }

  /// The mount check of every pair of enabled sensors, over the points kept.
  public var mounts: [MountReport] {
    samples.reports(names: rig.sensors.map(\.name), enabled: rig.sensors.map(\.enabled))
  }

  /// Each sensor of a capture, in a pass of its own; nil when the config has one sensor.
  public static func sensors(capture path: String, config: SightlineConfig) throws
    -> [RigSensorReport]?
  {
    let pass = try RigPass(config: config, mountSpanNanoseconds: 0)
    guard pass.isRig else { return nil }
    try pass.read(path, config: config, until: { false })
    try pass.rig.flush(onFrame: pass.frame)
    return pass.sensors
  }

  /// The mount checks from the first `spanNanoseconds` of a capture only (it is read no
  /// further than that).
  public static func mounts(
    capture path: String, config: SightlineConfig, spanNanoseconds: Int64 = 1_000_000_000
  ) throws -> [MountReport] {
    let pass = try RigPass(config: config, mountSpanNanoseconds: spanNanoseconds)
    try pass.read(path, config: config, until: { pass.samples.isFull })
    if !pass.samples.isFull { try pass.rig.flush(onFrame: pass.frame) }
    return pass.mounts
  }

  /// The capture's records through the rig, until `stop`; a damaged capture is an error.
  public func read(_ path: String, config: SightlineConfig, until stop: () -> Bool) throws {
    let capture = try LinkLayerCapture(path: path, filter: config.lidar.captureFilter)
    let linkType = capture.linkType
    if let damage = try capture.read(
      until: stop,
      { record in
        try rig.ingest(
          frame: record.bytes, linkType: linkType, captureTime: record.timestampNanoseconds,
          onFrame: frame)
      })
    {
      throw damage
    }
  }
}
