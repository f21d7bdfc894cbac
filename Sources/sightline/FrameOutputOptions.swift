import ArgumentParser
import SightlineFoxglove

/// Where frames go besides the ZeroMQ publisher, shared by `replay` and `run`.
struct FrameOutputOptions: ParsableArguments {
  @Option(name: .long, help: "Record every frame to this MCAP file (opens in Foxglove).")
  var record: String?

  @Option(
    name: .long,
    help: "Serve frames to Foxglove (WebSocket, foxglove.websocket.v1) on HOST:PORT.")
  var foxglove: String?

  /// `--foxglove` parsed, or nil when not given.
  func foxgloveAddress() throws -> FoxgloveAddress? {
    guard let foxglove else { return nil }
    guard let address = FoxgloveAddress(foxglove) else {
      throw Failure(description: "--foxglove: expected HOST:PORT, got \(foxglove)")
    }
    return address
  }
}
