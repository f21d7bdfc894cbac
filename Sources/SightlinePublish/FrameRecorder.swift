import SightlineMCAP
import SightlinePipeline
import SightlineSchema
import SightlineZstd

/// Records published frames to an MCAP file that opens in Foxglove and in any MCAP reader:
///   /sightline/frame  sightline.v1.FusedFrame, the published bytes (full fidelity; `render`
///                     reads these back)
///   /grid             foxglove.Grid, the fused grid
///   /grid/v2x         foxglove.Grid, the V2X layer (frames that carry one)
///   /agents           foxglove.SceneUpdate, the ego and the agents with their uncertainty
///   /ego/fix          foxglove.LocationFix, the ego on the map (when the plane is anchored)
/// Log time is the frame's reference time (the sensor clock), so a replay's recording is the
/// same on every run. Writing happens on the frame thread after publishing, into 4 MiB chunks.
public final class FrameRecorder: FrameSink {
  public let path: String
  private var writer: MCAPWriter<MCAPFileOutput>?
  private let frameChannel: UInt16
  private let gridChannel: UInt16
  private let v2xChannel: UInt16
  private let agentsChannel: UInt16
  private let fixChannel: UInt16
  private var scratch: [UInt8] = []
  public private(set) var framesRecorded = 0

  public static let topics = ["/sightline/frame", "/grid", "/grid/v2x", "/agents", "/ego/fix"]

  /// `compression`: how chunks are stored (zstd level 3 by default: the mcap CLI's choice).
  public init(
    path: String,
    compression: SightlineConfig.Publish.RecordCompression = .zstd
  ) throws {
    self.path = path
    let compressor = compression == .zstd ? try ZstdCompressor(level: 3) : nil
    var writer = try MCAPWriter(
      output: try MCAPFileOutput(path: path), library: "sightline", compression: compressor)
    func schema(_ schema: (name: String, data: [UInt8])) throws(MCAPError) -> UInt16 {
      try writer.addSchema(name: schema.name, encoding: "protobuf", data: schema.data)
    }
    func channel(_ schemaID: UInt16, _ topic: String) throws(MCAPError) -> UInt16 {
      try writer.addChannel(schemaID: schemaID, topic: topic, messageEncoding: "protobuf")
    }
    let fused = try schema(Foxglove.fusedFrameSchema)
    let grid = try schema(Foxglove.gridSchema)
    let scene = try schema(Foxglove.sceneUpdateSchema)
    let fix = try schema(Foxglove.locationFixSchema)
    frameChannel = try channel(fused, Self.topics[0])
    gridChannel = try channel(grid, Self.topics[1])
    v2xChannel = try channel(grid, Self.topics[2])
    agentsChannel = try channel(scene, Self.topics[3])
    fixChannel = try channel(fix, Self.topics[4])
    self.writer = writer
    scratch.reserveCapacity(1 << 16)
  }

  /// Records one frame; `message` is its published `grid` message (topic prefix included).
  public func record(_ frame: GridFrame, message: [UInt8]) throws(MCAPError) {
    guard writer != nil else { throw .writerFinished }
    let time = UInt64(clamping: frame.referenceTimeNanoseconds)
    let published = UInt64(clamping: frame.publishTimeNanoseconds)
    let sequence = UInt32(truncatingIfNeeded: frame.sequence)
    func add(_ channel: UInt16, _ bytes: UnsafeRawBufferPointer) throws(MCAPError) {
      try writer!.addMessage(
        channelID: channel, sequence: sequence, logTime: time, publishTime: published, data: bytes)
    }
    let prefix = Topic.grid.prefix.count
    var failure: MCAPError?
    message.withUnsafeBytes { raw in
      do throws(MCAPError) {
        try add(frameChannel, UnsafeRawBufferPointer(rebasing: raw[prefix...]))
      } catch { failure = error }
    }
    if let failure { throw failure }
    func addScratch(_ channel: UInt16) throws(MCAPError) {
      try writer!.addMessage(
        channelID: channel, sequence: sequence, logTime: time, publishTime: published,
        data: scratch)
    }
    if Foxglove.grid(frame, layer: .occupancy, into: &scratch) { try addScratch(gridChannel) }
    if Foxglove.grid(frame, layer: .v2x, into: &scratch) { try addScratch(v2xChannel) }
    Foxglove.sceneUpdate(frame, into: &scratch)
    try addScratch(agentsChannel)
    if Foxglove.locationFix(frame, into: &scratch) { try addScratch(fixChannel) }
    framesRecorded += 1
  }

  /// Writes the last chunk, the indexes and the summary, and closes the file. Idempotent.
  public func finish() throws(MCAPError) {
    guard var writer else { return }
    self.writer = nil
    let output = try writer.finish()
    try output.close()
  }

  // FrameSink: frames are recorded; stats are not (the frames carry the counters).
  public func take(frame: GridFrame, grid: [UInt8], agents: [UInt8]) throws {
    try record(frame, message: grid)
  }

  public func take(stats: [UInt8]) {}

  /// A recording the end of stream did not finish (a stop) is finished here, so that it opens.
  public func close(discardPending: Bool) { try? finish() }
}
