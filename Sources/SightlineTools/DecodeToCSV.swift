import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlinePipeline
import SightlineReplay

#if canImport(Glibc)
  import Glibc
#endif

/// `sightline decode`: every point of a capture as one CSV row, sweep by sweep. The columns are
/// a contract that tests and outside checks rely on; keep them stable.
public enum DecodeToCSV {
  public static let header =
    "frame,time_ns,x,y,z,intensity,ring,azimuth_cdeg,return_type,distance_m"

  /// Writes to `path` ("-" for standard output). Returns the ingest counters. `progress` hears
  /// the fraction of the capture's time range read (ProgressThrottle: about every 100 ms).
  public static func run(
    capture path: String, config: SightlineConfig, output: String,
    progress: ((Double) -> Void)? = nil
  ) throws -> IngestCounters {
    let capture = try LinkLayerCapture(path: path, filter: config.lidar.captureFilter)
    // fdopen(1) rather than `stdout`, which Swift 6 treats as shared mutable state.
    guard let file = output == "-" ? fdopen(1, "w") : fopen(output, "w") else {
      throw PcapError(kind: .open, path: output, message: "cannot write the CSV file")
    }
    defer { if output != "-" { fclose(file) } }
    fputs(header + "\n", file)

    var ingest = try LidarIngest(config: config)
    let position = progress == nil ? nil : ReplayProgress(capture: path)
    var throttle = ProgressThrottle(progress)
    var frame = 0
    func write(_ sweep: inout Sweep, _: Int64) {
      for p in sweep.points {
        fputs(
          "\(frame),\(p.timeNanoseconds),\(p.x),\(p.y),\(p.z),\(p.intensity),\(p.ring),"
            + "\(p.azimuthCentidegrees),\(p.returnType),\(p.distance)\n", file)
      }
      frame += 1
    }
    let damage = try capture.read { record in
      ingest.ingest(
        frame: record.bytes, linkType: capture.linkType, captureTime: record.timestampNanoseconds,
        onSweep: write)
      if let position {
        throttle.update(position.fraction(captureTime: record.timestampNanoseconds))
      }
    }
    ingest.flush(onSweep: write)
    fflush(file)
    if let damage { throw damage }
    throttle.finish()
    return ingest.counters
  }
}
