import SightlineLidar
import SightlineNet

/// Counts of everything that arrived and what became of it. Nothing is dropped uncounted.
public struct IngestCounters: Sendable, Equatable {
  public var records = 0
  public var udpDatagrams = 0
  public var lidarPackets = 0
  public var decodedPackets = 0
  public var positionPackets = 0
  public var gnssFixes = 0
  public var otherUDPDatagrams = 0
  public var framesSkipped = [Int](repeating: 0, count: FrameSkipReason.allCases.count)
  public var packetsRejected = [Int](repeating: 0, count: PacketRejectReason.allCases.count)
  public var positionProblems = [Int](repeating: 0, count: PositionPacket.Problem.allCases.count)
  /// Older than the packet before them: dropped, never merged into the wrong sweep.
  public var latePackets = 0
  /// Judged missing from jumps in azimuth, summed over the sweeps emitted so far.
  public var packetsMissing = 0
  public var returnsOutOfRange = 0
  public var mergedDualReturns = 0
  public var points = 0

  public init() {}

  public var totalFramesSkipped: Int { framesSkipped.reduce(0, +) }
  public var totalPacketsRejected: Int { packetsRejected.reduce(0, +) }
}
