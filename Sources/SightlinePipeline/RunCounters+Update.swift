import SightlineSchema
import SightlineTimeline

extension RunCounters {
  /// The run's counters as a frame carries them, made from each stage's own: the LiDAR
  /// ingest's, the V2X ingest's, the timeline's, the localization pose ingest's, and a live
  /// run's. Reuses `drops`' storage: the reasons are made once.
  public mutating func update(
    lidar: LidarTotals, v2x: V2XCounters?, timeline: TimelineStage, live: LiveCounters = .init(),
    egoPoses: EgoPoseCounters = .init()
  ) {
    lidarDatagrams = UInt64(lidar.datagrams)
    lidarPackets = UInt64(lidar.packets)
    lidarPacketsMissing = UInt64(lidar.packetsMissing)
    sweepsDropped = UInt64(live.sweepsDropped)
    lidarClockChanges = UInt64(live.lidarClockChanges)
    hostClockSteps = UInt64(live.hostClockSteps)
    hostClockStepTotalNanoseconds = live.hostClockStepTotalNanoseconds
    configReloads = UInt64(live.configReloads)
    configReloadsRejected = UInt64(live.configReloadsRejected)
    if let v2x {
      v2xReceived = UInt64(v2x.received)
      v2xAccepted = UInt64(v2x.accepted)
    }
    sendersQuarantined = UInt64(timeline.plausibility.quarantines)
    updateDrops(lidar: lidar, v2x: v2x, timeline: timeline, live: live, egoPoses: egoPoses)
  }

  private mutating func updateDrops(
    lidar: LidarTotals, v2x: V2XCounters?, timeline: TimelineStage, live: LiveCounters,
    egoPoses: EgoPoseCounters
  ) {
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
      for reason in V2XDropReason.allCases {
        add(Self.v2xReasons[reason.rawValue], v2x.dropped[reason])
      }
    }
    add("v2x.track_store_full", timeline.tracks.refusedFull)
    add("v2x.queue_overflow", live.v2xQueueOverflow)
    add("auth.curve_denied", live.authDenied)
    add("record.frame_dropped_writer_busy", live.recordingFramesDropped)
    add("foxglove.message_dropped_client_behind", live.foxgloveMessagesDropped)
    add("foxglove.frame_dropped_converter_busy", live.foxgloveFramesDropped)
    add("ego.pose_malformed", egoPoses.malformed)
    add("ego.pose_invalid", egoPoses.invalid)
    add("ego.pose_oversized", egoPoses.oversized)
    add("ego.pose_queue_overflow", live.egoPoseQueueOverflow)
    add("ego.pose_refused", timeline.egoSelection.posesRefused)
    for (index, count) in timeline.plausibility.dropped.enumerated() {
      add(Self.plausibilityReasons[index], count)
    }
  }

  static let plausibilityReasons = PlausibilityCheck.Reason.allCases.map { "v2x.\($0)" }

  static let v2xReasons = V2XDropReason.allCases.map {
    "v2x." + String(String(describing: $0).map { $0 == " " ? "_" : $0 })
  }
}
