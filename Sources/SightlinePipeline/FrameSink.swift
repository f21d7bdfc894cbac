import SightlineSchema

/// Where a frame loop's output goes: the ZeroMQ publisher, the MCAP recording. The loop hands
/// every sink the same encoded bytes, in the order the sinks were given.
public protocol FrameSink: AnyObject {
  /// A finished frame with its encoded `grid` and `agents` messages (topic prefixes included).
  func take(frame: GridFrame, grid: [UInt8], agents: [UInt8]) throws
  /// The run's `stats` message: about once a second, and last at the end of the stream.
  func take(stats: [UInt8]) throws
  /// Nothing more follows (called after the last stats).
  func finish() throws
  /// Lets go of what the sink holds; `discardPending` when the run was stopped, not ended.
  func close(discardPending: Bool)
  /// False while the sink would do nothing with a frame (a Foxglove server nobody subscribed
  /// to), so that a `BackgroundSink` skips copying it.
  var wantsFrames: Bool { get }
}

extension FrameSink {
  public var wantsFrames: Bool { true }
}
