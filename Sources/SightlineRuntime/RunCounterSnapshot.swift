import SightlineSchema
import SightlineTimeline

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

  public init() {}
}

extension IngestCounters {
  public var totals: LidarTotals {
    var totals = LidarTotals()
    totals.datagrams = udpDatagrams
    totals.packets = decodedPackets
    totals.packetsMissing = packetsMissing
    totals.latePackets = latePackets
    totals.packetsRejected = totalPacketsRejected
    totals.framesSkipped = totalFramesSkipped
    totals.positionProblems = positionProblems.reduce(0, +)
    totals.returnsOutOfRange = returnsOutOfRange
    return totals
  }
}

/// What only a live run counts: its threads, queues and sockets.
struct LiveRunDrops {
  /// Sweeps the frame thread could not take in time.
  var sweepsDropped = 0
  /// Sweeps that arrived older than a frame already published without LiDAR.
  var sweepsAfterSilentFrame = 0
  var v2xQueueOverflow = 0
  /// CURVE handshakes refused.
  var authDenied = 0
}

extension RunCounters {
  /// Fills the counters a frame carries, reusing `drops`' storage: the reasons are made once.
  mutating func update(
    lidar: LidarTotals, v2x: V2XCounters?, timeline: TimelineStage, live: LiveRunDrops = .init()
  ) {
    lidarDatagrams = UInt64(lidar.datagrams)
    lidarPackets = UInt64(lidar.packets)
    lidarPacketsMissing = UInt64(lidar.packetsMissing)
    sweepsDropped = UInt64(live.sweepsDropped)
    drops.removeAll(keepingCapacity: true)
    func add(_ reason: String, _ count: Int) {
      if count > 0 { drops.append(Drop(reason: reason, count: UInt64(count))) }
    }
    add("lidar.late_packet", lidar.latePackets)
    add("lidar.packet_rejected", lidar.packetsRejected)
    add("lidar.frame_skipped", lidar.framesSkipped)
    add("lidar.position_packet_problem", lidar.positionProblems)
    add("lidar.return_out_of_range", lidar.returnsOutOfRange)
    add("lidar.sweep_frame_loop_busy", live.sweepsDropped)
    add("lidar.sweep_older_than_frame_without_lidar", live.sweepsAfterSilentFrame)
    if let v2x {
      v2xReceived = UInt64(v2x.received)
      v2xAccepted = UInt64(v2x.accepted)
      for (index, count) in v2x.dropped.enumerated() {
        add(Self.v2xReasons[index], count)
      }
    }
    add("v2x.track_store_full", timeline.tracks.refusedFull)
    add("v2x.queue_overflow", live.v2xQueueOverflow)
    add("auth.curve_denied", live.authDenied)
    sendersQuarantined = UInt64(timeline.plausibility.quarantines)
    for (index, count) in timeline.plausibility.dropped.enumerated() {
      add(Self.plausibilityReasons[index], count)
    }
  }

  static let plausibilityReasons = PlausibilityCheck.Reason.allCases.map { "v2x.\($0)" }

  static let v2xReasons = V2XDropReason.allCases.map {
    "v2x." + String(String(describing: $0).map { $0 == " " ? "_" : $0 })
  }
}
