import SightlineOps
import SightlineSchema
import SightlineTimeline

extension FrameSample {
  /// The metrics of a published frame. `lidarOffset`: sensor − host, when a sweep made it;
  /// `senderClock`: the V2X senders' receive − generation estimate.
  init(
    _ frame: GridFrame, processingNanoseconds processing: Int64, lidarOffset: Int64?,
    senderClock: ClockAlignment
  ) {
    let budget = Int64(frame.budgetNanoseconds)
    self.init(
      durationSeconds: Double(processing) / 1e9,
      overranBudget: budget > 0 && processing > budget,
      degraded: frame.flags.contains(.degraded), v2xAgents: frame.agents.count,
      quarantinedSenders: Int(frame.quarantinedSenders),
      lidarPacketsTotal: frame.counters.lidarPackets,
      lidarPacketsLostTotal: frame.counters.lidarPacketsMissing,
      v2xMessagesTotal: frame.counters.v2xReceived,
      lidarClockOffsetSeconds: lidarOffset.map { Double($0) / 1e9 },
      // Sender − host (the estimate is receive − generation).
      v2xClockOffsetSeconds: senderClock.estimate.map { -Double($0.offsetNanoseconds) / 1e9 })
  }
}
