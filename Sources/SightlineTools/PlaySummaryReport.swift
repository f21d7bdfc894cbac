import SightlinePublish

// The line `sightline play` ends with: what it sent, and where.

/// The line `sightline play` ends with: what it sent, and where.
public enum PlaySummaryReport {
  /// Passes and capture seconds played, datagrams and V2X messages sent to `options`' host,
  /// ports and endpoint, other records skipped, and whether times were moved to now.
  public static func line(_ summary: PlaySummary, options: PlayOptions) -> String {
    // The second stream: Velodyne's GPRMC position packets, an Ouster's IMU packets, or none.
    let sent =
      options.secondCapturePort == nil
      ? "\(summary.dataDatagrams) data datagrams to \(options.host):\(options.dataPort)"
      : "\(summary.dataDatagrams) data and \(summary.positionDatagrams)"
        + (options.restampsLidarPackets ? " position" : " IMU")
        + " datagrams to \(options.host):\(options.dataPort)/\(options.positionPort)"
    return
      "played \(summary.passes) pass(es), \(Report.fixed(summary.captureSeconds, 2)) s of capture: "
      + sent + ","
      + " \(summary.v2xMessages) V2X messages on \(options.v2xEndpoint)"
      + (summary.otherDatagramsSkipped > 0
        ? ", \(summary.otherDatagramsSkipped) other records skipped" : "")
      + (options.restamp
        ? "; times moved to now (\(summary.v2xRestamped) V2X secMarks moved,"
          + " \(summary.v2xUnchanged) V2X payloads sent as recorded"
          + (options.restampsLidarPackets ? ")" : ", LiDAR packets sent as recorded)")
        : "; recorded times kept")
  }
}
