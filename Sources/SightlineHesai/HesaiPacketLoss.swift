/// Packets lost between the ones that arrived: from the UDP sequence number where the packet
/// carries one, else (40P, Pandar64 without it) from jumps in azimuth against the usual
/// advance per packet. Also tells duplicates and late packets, which would turn the scan back.
struct HesaiPacketLoss {
  enum Verdict: Equatable {
    /// Follows on; `missing` packets were lost before it (a gap in the stream if > 0).
    case next(missing: Int)
    /// The sequence jumped too far either way (a restart): no count, but a gap.
    case restart
    /// Already seen, or just behind the last one.
    case outOfOrder
  }

  /// A step back by more than this is a restart, not a late packet.
  static let lateWindow: UInt32 = 1000
  /// A step forward by more than this is a restart, not a loss.
  static let lossWindow: UInt32 = 1_000_000

  private var lastSequence: UInt32?
  private var lastAzimuth: Int?
  /// Smoothed azimuth advance per packet, 0.01°; 0 until measured.
  private var typicalAdvance: Double = 0

  mutating func reset() { self = HesaiPacketLoss() }

  mutating func judge(sequence: UInt32?, firstAzimuth: Int) -> Verdict {
    if let sequence { return judge(sequence: sequence) }
    return judge(azimuth: firstAzimuth)
  }

  private mutating func judge(sequence: UInt32) -> Verdict {
    guard let last = lastSequence else {
      lastSequence = sequence
      return .next(missing: 0)
    }
    // Keep the newest number: a late packet must not move it back.
    if last &- sequence < Self.lateWindow { return .outOfOrder }
    lastSequence = sequence
    let ahead = sequence &- last
    return ahead > Self.lossWindow ? .restart : .next(missing: Int(ahead) - 1)
  }

  private mutating func judge(azimuth: Int) -> Verdict {
    defer { lastAzimuth = azimuth }
    guard let last = lastAzimuth else { return .next(missing: 0) }
    let advance = Double((azimuth - last + 36000) % 36000)
    guard advance > 0, advance < 18000 else { return .next(missing: 0) }  // jitter, not a gap
    if typicalAdvance > 0, advance > 1.5 * typicalAdvance {
      return .next(missing: Int((advance / typicalAdvance).rounded()) - 1)
    }
    typicalAdvance = typicalAdvance == 0 ? advance : 0.9 * typicalAdvance + 0.1 * advance
    return .next(missing: 0)
  }
}
