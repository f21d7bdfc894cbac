import SightlineLive

/// `bench latency`'s accounting: each frame that arrived matched to the last packet of its
/// sweep (by the packet's microseconds past the hour, `LatencyBenchmark`), its latency split at
/// the frame's own stage times, and every frame that has no latency counted by why.
enum LatencyMatch {
  static let hourMicroseconds: Int64 = 3_600_000_000

  static func result(
    sent: LatencySender.Sent, outcome: LatencySubscriber.Outcome, summary: LiveSummary
  ) -> LatencyBenchmark.Result {
    var result = LatencyBenchmark.Result()
    result.passes = sent.passes
    result.packetsSent = sent.hostNanoseconds.count
    result.positionPacketsSent = sent.positionPackets
    result.sendSeconds = Double(sent.finished - sent.started) / 1e9
    // Restamping keeps keys unique within an hour; were two equal, the later packet is the
    // one that could have closed a sweep (the assembler takes packets in order).
    var packetAt = [UInt32: Int](minimumCapacity: sent.sensorMicroseconds.count)
    for (index, key) in sent.sensorMicroseconds.enumerated() { packetAt[key] = index }
    let lastPacket = sent.hostNanoseconds.count - 1
    for arrival in outcome.arrivals {
      guard arrival.withLidar else {
        result.framesWithoutLidar += 1
        continue
      }
      result.framesReceived += 1
      guard let packet = packetAt[key(referenceTime: arrival.referenceTimeNanoseconds)] else {
        result.unmatched += 1
        continue
      }
      let sentAt = sent.hostNanoseconds[packet]
      // The frame's publish time is stamped after its grid stages, before its output stage.
      let frameStart = arrival.publishTimeNanoseconds - arrival.gridNanoseconds
      let frame = LatencyBenchmark.Frame(
        sequence: arrival.sequence, packet: packet, pass: packet / sent.packetsPerPass,
        packetInPass: packet % sent.packetsPerPass, partialSweep: arrival.partialSweep,
        degraded: arrival.degraded,
        latency: arrival.arrivalNanoseconds - sentAt, toFrameStart: frameStart - sentAt,
        grid: arrival.gridNanoseconds, output: arrival.outputNanoseconds,
        transport: arrival.arrivalNanoseconds - arrival.publishTimeNanoseconds
          - arrival.outputNanoseconds)
      if packet == lastPacket && arrival.partialSweep {
        result.closedByPause = frame
      } else {
        result.matched.append(frame)
      }
    }
    result.notReceived = max(0, summary.sweepsPublished - outcome.arrivals.count)
    result.sweepsDropped =
      summary.sweepsDroppedFrameLoopBusy + summary.sweepsOlderThanFrameWithoutLidar
    result.malformedMessages = outcome.malformed
    result.summary = summary
    return result
  }

  /// A frame's reference time (UTC ns) as the microseconds past the hour its last packet
  /// carried.
  static func key(referenceTime: Int64) -> UInt32 {
    let microseconds = referenceTime / 1000
    let past = microseconds % hourMicroseconds
    return UInt32(past < 0 ? past + hourMicroseconds : past)
  }
}
