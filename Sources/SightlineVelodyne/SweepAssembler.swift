/// Where a packet goes.
import SightlineLidar

public enum PacketPlacement: Sendable, Equatable {
  /// Into the current sweep.
  case append
  /// Emit the current sweep first (the stream paused or its clock jumped), then append.
  case cutThenAppend
  /// It is older than the packet before it: counted and dropped, never merged into a sweep
  /// it does not belong to.
  case dropLate
}

/// Cuts the packet stream into sweeps where the azimuth crosses `cutAzimuth`, at packet
/// granularity: the packet whose last block crosses the cut closes the sweep, as velodyne-decoder
/// and ros-drivers/velodyne do, so per-sweep counts compare directly. A sweep that starts or ends
/// mid-revolution (the ends of a capture, a gap in time) is kept but flagged incomplete.
public struct SweepAssembler: Sendable {
  public let cutAzimuth: Int
  /// A pause longer than this between packets ends the sweep (the peers use 0.1 s ≈ one turn).
  public let gapNanoseconds: Int64
  /// A step back in time larger than this is a clock jump (cut and start again), not a late
  /// packet.
  public let clockJumpNanoseconds: Int64
  public var sweep = Sweep()
  public private(set) var latePackets = 0
  var previousAzimuth = -1
  var previousFirstAzimuth = -1
  var previousTime: Int64 = 0
  var nextBeginsAtCut = false
  /// Smoothed azimuth advance per packet, centidegrees; 0 until two packets were seen.
  var typicalAdvance: Double = 0

  public init(
    cutAzimuthCentidegrees: Int = 0, gapNanoseconds: Int64 = 100_000_000,
    clockJumpNanoseconds: Int64 = 1_000_000_000, pointCapacity: Int = 300_000
  ) {
    cutAzimuth = ((cutAzimuthCentidegrees % 36000) + 36000) % 36000
    self.gapNanoseconds = gapNanoseconds
    self.clockJumpNanoseconds = clockJumpNanoseconds
    sweep.points.reserveCapacity(pointCapacity)
  }

  /// Call before decoding a packet into `sweep.points`.
  public mutating func place(packetTime: Int64) -> PacketPlacement {
    guard previousAzimuth >= 0 else { return .append }
    let step = packetTime - previousTime
    if step < 0 && -step < clockJumpNanoseconds {
      latePackets += 1
      return .dropLate
    }
    guard sweep.packetCount > 0 else { return .append }
    if step > gapNanoseconds || step < 0 {
      sweep.hadGap = true
      // Continuity is lost: do not count the jump as missing packets.
      previousFirstAzimuth = -1
      return .cutThenAppend
    }
    return .append
  }

  /// Call after the packet's points were appended. Returns true when this packet closed the
  /// sweep at the cut azimuth; emit it and call `reset`.
  public mutating func didAppend(_ header: VelodynePacketHeader, packetTime: Int64) -> Bool {
    let first = Int(header.firstBlockAzimuth)
    let last = Int(header.lastBlockAzimuth)
    countMissing(firstAzimuth: first)
    if sweep.packetCount == 0 {
      sweep.startNanoseconds = packetTime
      sweep.beganAtCut = nextBeginsAtCut
      previousAzimuth = first
    }
    let crossedCut =
      sweep.packetCount > 0 && crosses(from: previousAzimuth, to: last)
      || sweep.packetCount == 0 && crosses(from: first, to: last)
    sweep.coverageCentidegrees +=
      Self.advance(from: previousAzimuth, to: first) + Self.advance(from: first, to: last)
    sweep.packetCount += 1
    sweep.endNanoseconds = packetTime
    previousAzimuth = last
    previousFirstAzimuth = first
    previousTime = packetTime
    if crossedCut {
      sweep.endedAtCut = true
      return true
    }
    return false
  }

  /// A packet normally advances the azimuth by `typicalAdvance`; a jump of n times that means
  /// n − 1 packets went missing in between.
  mutating func countMissing(firstAzimuth: Int) {
    guard previousFirstAzimuth >= 0 else { return }
    let advance = Double(Self.advance(from: previousFirstAzimuth, to: firstAzimuth))
    guard advance < 18000 else { return }  // backwards jitter or a reset, not a gap
    if typicalAdvance > 0, advance > 1.5 * typicalAdvance {
      sweep.packetsMissing += Int((advance / typicalAdvance).rounded()) - 1
    } else if advance > 0 {
      typicalAdvance = typicalAdvance == 0 ? advance : 0.9 * typicalAdvance + 0.1 * advance
    }
  }

  /// Starts the next sweep, keeping the point buffer's capacity.
  public mutating func reset() {
    nextBeginsAtCut = sweep.endedAtCut
    let hadPackets = sweep.packetCount > 0
    sweep.clear()
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
