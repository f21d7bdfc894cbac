// `sightline render`: each fused grid frame of a replay or a recording as a PNG picture.

import ArgumentParser
import SightlinePublish
import SightlineReplay
import SightlineSchema
import SightlineTools
import SightlineZMQ

struct RenderCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "render",
    abstract: "Replay a capture and write each fused grid frame as a PNG picture.",
    discussion: """
      Unknown grey, free white, occupied black (shaded by probability), the V2X layer tinted \
      blue, V2X agents' 2σ ellipses coloured by consistency with LiDAR (green confirmed, \
      orange occluded, red contradicted, blue outside the grid), the ego magenta. North up, \
      one pixel per cell. The last line names the last picture.
      """)

  @Option(name: .long, help: "pcap or pcapng capture of the LiDAR's UDP packets.")
  var lidar: String?

  @Option(name: .long, help: "An MCAP recording (replay or run --record) instead of a capture.")
  var recording: String?

  @Option(name: .long, help: "V2X log (docs/V2X-LOG.md) merged with the capture.")
  var v2x: String?

  @Option(name: .long, help: "TOML config; built-in defaults when omitted.")
  var config: String?

  @Option(name: .long, help: "Folder for the pictures (created if missing).")
  var out: String

  @Option(name: .long, help: "Write every Nth frame (the last one always).")
  var every = 1

  @Flag(name: .long, help: "Add a strip under each picture with a scale bar and a colour key.")
  var legend = false

  @OptionGroup var lidarOptions: LidarOptions

  func run() throws {
    guard (lidar == nil) != (recording == nil) else {
      throw Failure(description: "give either --lidar CAPTURE or --recording FILE.mcap")
    }
    var pictures = try FramePictures(folder: out, every: every, legend: legend)
    do {
      try ProgressBar(label: "render").run { progress in
        if let recording {
          let frames = try RecordedFrames.read(path: recording)
          for (index, frame) in frames.enumerated() {
            try pictures.take(frame)
            progress?(Double(index + 1) / Double(frames.count))
          }
        } else if let lidar {
          try replay(lidar, progress: progress) { try pictures.take($0) }
        }
        try pictures.finish()
      }
    } catch {
      throw Failure(description: "render failed: \(error)")
    }
    for line in pictures.lines { printLine(line) }
  }

  /// Replays the capture, handing each fused frame to `take`; `progress` hears the fraction of
  /// the capture done.
  private func replay(
    _ lidar: String, progress: ((Double) -> Void)?,
    take: @escaping (GridFrame) throws -> Void
  ) throws {
    var settings = try loadConfig(config)
    settings.publish.endpoint = "inproc://sightline-render"
    try lidarOptions.apply(to: &settings)
    var options = ReplayOptions(lidarPath: lidar, config: settings)
    options.v2xPath = v2x
    _ = try Replay(options: options, progress: progress).run(
      context: try ZMQContext(), onFrameData: take)
  }
}
