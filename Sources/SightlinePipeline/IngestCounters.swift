import SightlineLidar
import SightlineNet
import SightlineVelodyne

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
  /// Refused payloads of any reason, data and other kinds (every vendor's stream counts these;
  /// the arrays above break them down for Velodyne).
  public var dataPacketsRejected = 0
  public var otherPacketsRejected = 0

  public init() {}

  /// Takes the counts every stream keeps.
  mutating func add(_ counts: LidarStreamCounts) {
    lidarPackets = counts.dataPackets
    decodedPackets = counts.decodedPackets
    packetsMissing = counts.packetsMissing
    latePackets = counts.latePackets
    returnsOutOfRange = counts.returnsOutOfRange
    mergedDualReturns = counts.mergedDualReturns
    points = counts.points
    dataPacketsRejected = counts.packetsRejected
    otherPacketsRejected = counts.otherPacketsRejected
  }

  /// Takes a Velodyne stream's own breakdown.
  mutating func add(_ velodyne: VelodyneCounters) {
    positionPackets = velodyne.positionPackets
    gnssFixes = velodyne.gnssFixes
    otherUDPDatagrams += velodyne.otherUDPDatagrams
    packetsRejected = velodyne.packetsRejected
    positionProblems = velodyne.positionProblems
  }

  /// Adds another ingest's counts (a rig's sensors).
  mutating func merge(_ other: IngestCounters) {
    records += other.records
    udpDatagrams += other.udpDatagrams
    lidarPackets += other.lidarPackets
    decodedPackets += other.decodedPackets
    positionPackets += other.positionPackets
    gnssFixes += other.gnssFixes
    otherUDPDatagrams += other.otherUDPDatagrams
    for i in framesSkipped.indices { framesSkipped[i] += other.framesSkipped[i] }
    for i in packetsRejected.indices { packetsRejected[i] += other.packetsRejected[i] }
    for i in positionProblems.indices { positionProblems[i] += other.positionProblems[i] }
    latePackets += other.latePackets
    packetsMissing += other.packetsMissing
    returnsOutOfRange += other.returnsOutOfRange
    mergedDualReturns += other.mergedDualReturns
    points += other.points
    dataPacketsRejected += other.dataPacketsRejected
    otherPacketsRejected += other.otherPacketsRejected
  }

  public var totalFramesSkipped: Int { framesSkipped.reduce(0, +) }
  public var totalPacketsRejected: Int { packetsRejected.reduce(0, +) }
}
