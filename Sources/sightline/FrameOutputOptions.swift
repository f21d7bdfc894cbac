import ArgumentParser
import SightlineFoxglove
import SightlinePipeline

/// Where frames go besides the ZeroMQ publisher, shared by `replay` and `run`.
struct FrameOutputOptions: ParsableArguments {
  @Option(name: .long, help: "Record every frame to this MCAP file (opens in Foxglove).")
  var record: String?

  @Option(
    name: .long,
    help: """
      Serve frames to Foxglove (WebSocket, foxglove.websocket.v1) on HOST:PORT, with the live \
      page at http://HOST:PORT/ and /metrics (overrides foxglove.listen).
      """)
  var foxglove: String?

  /// `--foxglove` parsed, else the config's `foxglove.listen`; nil when neither is set.
  func foxgloveAddress(config: SightlineConfig) throws -> FoxgloveAddress? {
    let (text, source) =
      foxglove.map { ($0, "--foxglove") } ?? (config.foxglove.listen, "foxglove.listen")
    guard !text.isEmpty else { return nil }
    guard let address = FoxgloveAddress(text) else {
      throw Failure(description: "\(source): expected HOST:PORT, got \(text)")
    }
    return address
  }
}
