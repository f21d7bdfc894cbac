import SightlinePipeline
import SightlineSchema

/// Sends frames to Foxglove: each frame becomes the messages of the channels someone subscribed
/// to (the same conversions as `FrameRecorder`, none when nobody is subscribed), stamped with
/// the frame's reference time, and handed to `server` without waiting for the network.
/// `finish` and `close` stop the server: clients get what is queued and a close frame.
public final class FoxgloveSink: FrameSink {
  public let server: FoxgloveServer
  private var scratch: [UInt8] = []
  /// Frames that went to at least one subscribed channel.
  public private(set) var framesPublished = 0

  public init(server: FoxgloveServer) {
    self.server = server
    scratch.reserveCapacity(1 << 16)
  }

  /// Starts a server on `address` with the recording's channels, the live page and `routes`,
  /// and logs where to watch.
  public convenience init(
    address: FoxgloveAddress, queueLimit: Int = 16, routes: [HTTPRoute] = [],
    log: (String) -> Void = { _ in }
  ) throws {
    let server = try FoxgloveServer(address: address, queueLimit: queueLimit, routes: routes)
    log("watch live at http://\(server.address)/ (Foxglove: ws://\(server.address))")
    self.init(server: server)
  }

  /// Only while someone is subscribed (a background sink copies nothing otherwise).
  public var wantsFrames: Bool { server.hasSubscribers }

  public func take(frame: GridFrame, grid: [UInt8], agents: [UInt8]) throws {
    let subscribed = server.subscribedChannels
    guard !subscribed.isEmpty else { return }
    let time = UInt64(clamping: frame.referenceTimeNanoseconds)
    func publish(_ channel: UInt32) {
      server.publish(channelID: channel, timestamp: time, payload: scratch)
    }
    if subscribed.contains(FoxgloveChannel.frameID) {
      let prefix = min(Topic.grid.prefix.count, grid.count)
      grid.withUnsafeBytes { raw in
        server.publish(
          channelID: FoxgloveChannel.frameID, timestamp: time,
          payload: UnsafeRawBufferPointer(rebasing: raw[prefix...]))
      }
    }
    if subscribed.contains(FoxgloveChannel.gridID),
      Foxglove.grid(frame, layer: .occupancy, into: &scratch)
    {
      publish(FoxgloveChannel.gridID)
    }
    if subscribed.contains(FoxgloveChannel.v2xGridID),
      Foxglove.grid(frame, layer: .v2x, into: &scratch)
    {
      publish(FoxgloveChannel.v2xGridID)
    }
    if subscribed.contains(FoxgloveChannel.agentsID) {
      Foxglove.sceneUpdate(frame, into: &scratch)
      publish(FoxgloveChannel.agentsID)
    }
    if subscribed.contains(FoxgloveChannel.fixID), Foxglove.locationFix(frame, into: &scratch) {
      publish(FoxgloveChannel.fixID)
    }
    framesPublished += 1
  }

  /// Stats are not a Foxglove channel (the frames carry the counters).
  public func take(stats: [UInt8]) {}

  public func finish() { server.stop() }

  public func close(discardPending: Bool) { server.stop() }
}
