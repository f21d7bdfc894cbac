import SightlineLidar

/// The LiDAR ingest's totals as plain numbers: cheap to hand from the ingest thread to the frame
/// thread with each sweep (copying `IngestCounters` would share its arrays, and the ingest's
/// next count would then copy them).
public struct LidarTotals: Sendable, Equatable {
  public var datagrams = 0
  public var packets = 0
  public var packetsMissing = 0
  public var latePackets = 0
  public var packetsRejected = 0
  public var framesSkipped = 0
  public var positionProblems = 0
  public var returnsOutOfRange = 0
  /// Points decoded.
  public var points = 0

  public init() {}
}

extension IngestCounters {
  public var totals: LidarTotals {
    var totals = LidarTotals()
    totals.datagrams = udpDatagrams
    totals.packets = decodedPackets
    totals.packetsMissing = packetsMissing
    totals.latePackets = latePackets
    totals.packetsRejected = dataPacketsRejected
    totals.framesSkipped = totalFramesSkipped
    totals.positionProblems = otherPacketsRejected
    totals.returnsOutOfRange = returnsOutOfRange
    return totals
  }

  /// The totals of these counts (the ingest's own) with a stream's, without copying arrays.
  func totals(with counts: LidarStreamCounts) -> LidarTotals {
    var totals = LidarTotals()
    totals.datagrams = udpDatagrams
    totals.packets = counts.decodedPackets
    totals.packetsMissing = counts.packetsMissing
    totals.latePackets = counts.latePackets
    totals.packetsRejected = counts.packetsRejected
    totals.framesSkipped = totalFramesSkipped
    totals.positionProblems = counts.otherPacketsRejected
    totals.returnsOutOfRange = counts.returnsOutOfRange
    totals.points = counts.points
    return totals
  }
}

extension LidarTotals {
  /// Adds one sensor's stream counts (a rig's sensors: their ingests count no datagrams).
  mutating func addStream(_ other: LidarTotals) {
    packets += other.packets
    packetsMissing += other.packetsMissing
    latePackets += other.latePackets
    packetsRejected += other.packetsRejected
    positionProblems += other.positionProblems
    returnsOutOfRange += other.returnsOutOfRange
    points += other.points
  }
}
