/// One revolution's worth of points, cut at a fixed azimuth.
public struct Sweep: Sendable {
  /// Points in firing order. Capacity is kept between sweeps.
  public var points: [LidarPoint] = []
  public var packetCount = 0
  /// Time of the first packet's first firing.
  public var startNanoseconds: Int64 = 0
  /// Time of the last packet's timestamp.
  public var endNanoseconds: Int64 = 0
  /// Azimuth swept from the first block to the last, in centidegrees.
  public var coverageCentidegrees = 0
  /// True when the sweep began at the cut azimuth and ended at it, with no gap in between.
  public var isComplete: Bool { beganAtCut && endedAtCut && !hadGap }
  public var beganAtCut = false
  public var endedAtCut = false
  public var hadGap = false

  public var coverageDegrees: Double { Double(coverageCentidegrees) / 100 }
}

/// Cuts the packet stream into sweeps where the azimuth crosses `cutAzimuth`, at packet
/// granularity: the packet whose last block crosses the cut closes the sweep, as velodyne-decoder
/// and ros-drivers/velodyne do, so per-sweep counts compare directly. A sweep that starts or ends
/// mid-revolution (the ends of a capture, a gap in time) is kept but flagged incomplete.
public struct SweepAssembler: Sendable {
  public let cutAzimuth: Int
  /// A pause longer than this between packets ends the sweep (the peers use 0.1 s ≈ one turn).
  public let gapNanoseconds: Int64
  public var sweep = Sweep()
  var previousAzimuth = -1
  var previousTime: Int64 = 0
  var nextBeginsAtCut = false

  public init(
    cutAzimuthCentidegrees: Int = 0, gapNanoseconds: Int64 = 100_000_000,
    pointCapacity: Int = 100_000
  ) {
    cutAzimuth = ((cutAzimuthCentidegrees % 36000) + 36000) % 36000
    self.gapNanoseconds = gapNanoseconds
    sweep.points.reserveCapacity(pointCapacity)
  }

  /// Call before decoding a packet into `sweep.points`. Returns true when the current sweep must
  /// be emitted (and then `reset`) first, because the stream paused.
  public mutating func needsCutBefore(packetTime: Int64) -> Bool {
    guard sweep.packetCount > 0 else { return false }
    if packetTime - previousTime > gapNanoseconds || packetTime < previousTime {
      sweep.hadGap = true
      return true
    }
    return false
  }

  /// Call after the packet's points were appended. Returns true when this packet closed the
  /// sweep at the cut azimuth; emit it and call `reset`.
  public mutating func didAppend(_ header: VelodynePacketHeader, packetTime: Int64) -> Bool {
    let first = Int(header.firstBlockAzimuth)
    let last = Int(header.lastBlockAzimuth)
    if sweep.packetCount == 0 {
      sweep.startNanoseconds = packetTime
      sweep.beganAtCut = nextBeginsAtCut
      previousAzimuth = first
    }
    let crossedCut =
      sweep.packetCount > 0 && crosses(from: previousAzimuth, to: last)
      || sweep.packetCount == 0 && crosses(from: first, to: last)
    sweep.coverageCentidegrees +=
      Self.advance(from: previousAzimuth, to: first)
      + Self.advance(from: first, to: last)
    sweep.packetCount += 1
    sweep.endNanoseconds = packetTime
    previousAzimuth = last
    previousTime = packetTime
    if crossedCut {
      sweep.endedAtCut = true
      return true
    }
    return false
  }

  /// Starts the next sweep, keeping the point buffer's capacity.
  public mutating func reset() {
    nextBeginsAtCut = sweep.endedAtCut
    let hadPackets = sweep.packetCount > 0
    sweep.points.removeAll(keepingCapacity: true)
    sweep.packetCount = 0
    sweep.coverageCentidegrees = 0
    sweep.beganAtCut = false
    sweep.endedAtCut = false
    sweep.hadGap = false
    if !hadPackets { nextBeginsAtCut = false }
  }

  @inline(__always) static func advance(from: Int, to: Int) -> Int {
    (to - from + 36000) % 36000
  }

  /// True when moving forward from `from` to `to` passes the cut azimuth (landing on it counts).
  @inline(__always) func crosses(from: Int, to: Int) -> Bool {
    let step = Self.advance(from: from, to: to)
    let toCut = Self.advance(from: from, to: cutAzimuth)
    // A "step" over half a turn is the azimuth jittering backwards, not a wrap.
    return step < 18000 && toCut != 0 && toCut <= step
  }
}
