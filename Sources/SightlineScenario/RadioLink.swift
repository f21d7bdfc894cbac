#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, seedable, the same sequence on every machine,
/// so a scenario regenerates the same bytes.
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// Uniform in [0, 1).
  public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
  /// Standard normal (Box–Muller).
  public mutating func normal() -> Double {
    let u = max(unit(), 1e-300)
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * unit())
  }
}

/// What happens between a sender and the receiver: latency with jitter, Gilbert–Elliott burst
/// loss, dropouts, a sender clock offset, duplicates through a second radio, and reordering
/// (which follows from jitter larger than the send interval).
public struct RadioLink: Sendable, Equatable {
  /// Mean one-way latency and its jitter (standard deviation), seconds.
  public var latency: Double = 0.05
  public var jitter: Double = 0.01
  /// Gilbert–Elliott: per message, the chance to go from good to bad and back, and the loss
  /// rate in each state. The long-run loss is pGoodToBad / (pGoodToBad + pBadToGood) × lossBad
  /// (+ the good state's share × lossGood).
  public var pGoodToBad: Double = 0
  public var pBadToGood: Double = 1
  public var lossGood: Double = 0
  public var lossBad: Double = 1
  /// Intervals (seconds from the scenario start) when nothing gets through.
  public var dropouts: [ClosedRange<Double>] = []
  /// The sender's clock minus true time: its secMark is off by this much (seconds).
  public var senderClockOffset: Double = 0
  /// Chance that a second radio delivers the same message again, a little later.
  public var duplicateRate: Double = 0

  public init() {}

  /// A link with the given mean burst loss rate: bursts average `burstLength` messages.
  public static func bursty(
    latency: Double, jitter: Double, loss: Double, burstLength: Double = 5
  ) -> RadioLink {
    var link = RadioLink()
    link.latency = latency
    link.jitter = jitter
    link.pBadToGood = 1 / burstLength
    link.pGoodToBad = loss * link.pBadToGood / max(1e-9, 1 - loss)
    return link
  }
}

/// The link's state for one sender: which Gilbert–Elliott state it is in.
public struct RadioChannel: Sendable {
  public let link: RadioLink
  private var random: SeededRandom
  private var bad = false

  public init(link: RadioLink, seed: UInt64) {
    self.link = link
    random = SeededRandom(seed: seed)
  }

  /// Receive times (seconds) of a message sent at `time`: none when lost, two for a duplicate.
  public mutating func deliver(sentAt time: Double) -> [Double] {
    // Draw every random number in the same order whatever happens, so that one change to the
    // link does not reshuffle the rest of the drive.
    let transition = random.unit()
    let lossDraw = random.unit()
    let jitterDraw = random.normal()
    let duplicateDraw = random.unit()
    let duplicateDelay = random.unit()
    bad = bad ? transition >= link.pBadToGood : transition < link.pGoodToBad
    if link.dropouts.contains(where: { $0.contains(time) }) { return [] }
    if lossDraw < (bad ? link.lossBad : link.lossGood) { return [] }
    let arrival = time + max(0.001, link.latency + link.jitter * jitterDraw)
    if duplicateDraw < link.duplicateRate {
      return [arrival, arrival + 0.002 + 0.02 * duplicateDelay]
    }
    return [arrival]
  }
}
