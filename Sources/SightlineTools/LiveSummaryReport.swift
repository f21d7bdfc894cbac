import Foundation
import SightlineLive

/// What `sightline run` reports when it stops: its summary as lines, and as JSON.
public enum LiveSummaryReport {
  /// What came in (datagrams, packets, losses), what went out (frames published on
  /// `endpoint`, sweeps dropped, clock changes, GNSS fixes), and the memory it took.
  public static func lines(_ summary: LiveSummary, endpoint: String) -> [String] {
    var lines = [
      "run: \(summary.datagramsReceived) datagrams, \(summary.decodedPackets) LiDAR packets decoded,"
        + " lost \(summary.packetsLost), late \(summary.packetsLate),"
        + " kernel drops \(summary.kernelDrops.map(String.init) ?? "n/a"),"
        + " truncated \(summary.truncatedDatagrams), rejected \(summary.packetsRejected)",
      "frames: \(summary.sweepsPublished) published on \(endpoint),"
        + " \(summary.sweepsDroppedFrameLoopBusy) sweeps dropped while the frame loop was busy,"
        + " \(summary.sweepsOlderThanFrameWithoutLidar) older than a frame without LiDAR;"
        + " \(summary.lidarClockChanges) LiDAR clock changes followed; \(summary.gnssFixes) GNSS fixes"
        + (summary.recordingFramesDropped > 0
          ? "; \(summary.recordingFramesDropped) frames left out of the recording (writer busy)"
          : "")
        + (summary.foxgloveMessagesDropped + summary.foxgloveFramesDropped > 0
          ? "; Foxglove: \(summary.foxgloveMessagesDropped) messages dropped for clients behind,"
            + " \(summary.foxgloveFramesDropped) frames left out (converter busy)"
          : ""),
    ]
    lines.append(
      "ego: \(summary.egoSource), \(summary.egoPoses) poses, the newest "
        + (summary.egoPoseAgeNanoseconds.map { "\(Double($0) / 1e6) ms old at the last frame" }
          ?? "never came")
        + (summary.egoSource == "localization"
          ? "; localization messages: \(summary.egoPoseMessages.received) received,"
            + " \(summary.egoPoseMessages.accepted) accepted, \(summary.egoPoseMessages.malformed)"
            + " malformed, \(summary.egoPoseMessages.invalid) invalid,"
            + " \(summary.egoPoseMessages.oversized) oversized" : ""))
    if let memory = summary.memory {
      lines.append(
        "memory: RSS peak \(mib(memory.peakResidentKiB)) MiB, \(mib(memory.residentKiB)) MiB at the"
          + " end; malloc \(mib(memory.heapInUseKiB)) MiB in use in arenas, \(mib(memory.heapFreeKiB))"
          + " MiB free in arenas, \(mib(memory.mmappedKiB)) MiB in chunks mapped on their own")
    }
    return lines
  }

  private static func mib(_ kib: Int) -> String {
    String(format: "%.1f", Double(kib) / 1024)
  }

  /// The whole summary (sweeps included) as pretty-printed JSON with sorted keys.
  public static func writeJSON(_ summary: LiveSummary, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(summary).write(to: URL(fileURLWithPath: path))
  }
}
