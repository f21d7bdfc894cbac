import SightlinePipeline

/// A recorded V2X log fed to the frame loop on the replay's virtual clock: each entry goes in
/// once the capture reaches its receive time, through the same `V2XIngest` and the same
/// `FrameLoop.observe` as a live run's messages.
struct V2XLogFeed {
  private let entries: [V2XLogEntry]
  private var next = 0
  private(set) var ingest: V2XIngest

  init(path: String?, staleAfterMilliseconds: Int64) throws {
    entries = try path.map { try V2XLog.read(path: $0) } ?? []
    ingest = V2XIngest(staleAfterMilliseconds: staleAfterMilliseconds)
  }

  /// Frees the ingest's scratch.
  func release() { ingest.release() }

  /// Every entry received up to `time`. Receive times were stamped by the host; `hostAhead`
  /// (the host clock less the LiDAR's GNSS clock, when known) moves them onto the GNSS
  /// timeline that secMark is on.
  mutating func feed(through time: Int64, hostAhead: Int64, into frames: FrameLoop) {
    while next < entries.count, entries[next].t_ns <= time {
      let entry = entries[next]
      next += 1
      guard let payload = entry.payload else { continue }
      let observation = payload.withUnsafeBytes {
        ingest.ingest($0, format: entry.format, receiveTimeNanoseconds: entry.t_ns - hostAhead)
      }
      if let observation { frames.observe(observation) }
    }
  }
}
