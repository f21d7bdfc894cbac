import SightlineCalibration
import SightlineLidar
import SightlineNet
import SightlineTimeline

/// Takes captured link-layer frames (or UDP payloads) and hands the LiDAR payloads among them to
/// the sensor's `LidarStream`, which decodes them and cuts sweeps; every finished sweep goes to
/// `onSweep` with the time spent decoding it. Shared by replay and live capture. `onSweep` may
/// take the sweep's point buffer by swapping in another with capacity (the live run hands it to
/// the frame thread that way, without copying).
public struct LidarIngest {
  /// The sensor's stream (`VelodyneStream` today; Ouster and Hesai behind the same contract).
  public private(set) var stream: any LidarStream
  public private(set) var extractor = DatagramExtractor()
  /// The sensor's clock against the host clock that stamped the packets (every 16th packet).
  public private(set) var clock = ClockAlignment()
  /// Called with the totals just before each sweep is handed on, for the frame's counters
  /// (`onSweep` cannot read them: the ingest is busy mutating itself).
  public var onTotals: ((LidarTotals) -> Void)?
  /// What the ingest itself counts (records, datagrams, skipped frames); the stream counts the
  /// rest (`counters` merges them).
  private var ingestCounts = IngestCounters()
  /// Nanoseconds spent in the stream since the last sweep was handed on.
  private var decodeNanoseconds: Int64 = 0
  /// Payloads the stream did not decode that look like another vendor's packets, by guess.
  public private(set) var otherVendorPackets: [LidarFormatSniffer.Guess: Int] = [:]

  public init(stream: any LidarStream) {
    self.stream = stream
  }

  public init(
    decoder: VelodyneDecoder, assembler: SweepAssembler,
    dataPort: UInt16 = VelodynePacketLayout.dataPort,
    positionPort: UInt16 = VelodynePacketLayout.positionPort
  ) {
    self.init(
      stream: VelodyneStream(
        decoder: decoder, assembler: assembler, dataPort: dataPort, positionPort: positionPort))
  }

  /// The LiDAR ingest that a config describes. Loads the calibration file when one is named.
  public init(config: SightlineConfig) throws {
    let lidar = config.lidar
    var calibration: LaserTable?
    if let path = lidar.calibrationPath, let model = lidar.model {
      calibration = try VelodyneCalibration.load(path: path, model: model)
    }
    let decoder = VelodyneDecoder(
      modelOverride: lidar.model, calibration: calibration,
      range: RangeLimits(minimum: Float(lidar.minRangeMeters), maximum: Float(lidar.maxRangeMeters))
    )
    let assembler = SweepAssembler(
      cutAzimuthCentidegrees: Int((lidar.cutAngleDegrees * 100).rounded()))
    self.init(decoder: decoder, assembler: assembler)
  }

  /// The Velodyne stream, when the sensor is a Velodyne (its header, hour and GNSS fixes).
  public var velodyne: VelodyneStream? { stream as? VelodyneStream }

  /// Every GNSS fix the sensor relays (Velodyne's GPRMC position packets), in arrival order,
  /// for the ego-pose stage.
  public var onFix: ((GNSSFix) -> Void)? {
    get { velodyne?.onFix }
    set {
      guard var velodyne else { return }
      velodyne.onFix = newValue
      stream = velodyne
    }
  }

  /// Everything counted so far: the ingest's own counts and the stream's.
  public var counters: IngestCounters {
    var counters = ingestCounts
    counters.add(stream.counts)
    if let velodyne { counters.add(velodyne.counters) }
    return counters
  }

  /// One captured record. `captureTime` (UTC ns) stands in for the hour until a GPRMC fix
  /// arrives.
  public mutating func ingest(
    frame: UnsafeRawBufferPointer, linkType: LinkType, captureTime: Int64,
    onSweep: (inout Sweep, Int64) throws -> Void
  ) rethrows {
    ingestCounts.records += 1
    switch extractor.extract(frame, linkType: linkType, captureTimeNanoseconds: captureTime) {
    case .skipped(let reason):
      ingestCounts.framesSkipped[reason.rawValue] += 1
    case .pendingFragment:
      break  // counted by the extractor
    case .datagram(let datagram):
      ingestCounts.udpDatagrams += 1
      try ingest(
        payload: datagram.payload, destinationPort: datagram.destinationPort,
        captureTime: captureTime, onSweep: onSweep)
    }
  }

  /// One UDP payload, from a capture or a live socket.
  public mutating func ingest(
    payload: UnsafeRawBufferPointer, destinationPort: UInt16, captureTime: Int64,
    onSweep: (inout Sweep, Int64) throws -> Void
  ) rethrows {
    let before = stream.counts
    var started = MonotonicClock.nanoseconds()
    var spent = decodeNanoseconds
    let ingestTotals = ingestCounts
    let onTotals = onTotals
    try stream.ingest(
      payload: payload, destinationPort: destinationPort, captureTimeNanoseconds: captureTime
    ) { sweep, counts in
      let now = MonotonicClock.nanoseconds()
      onTotals?(ingestTotals.totals(with: counts))
      try onSweep(&sweep, spent + now - started)
      spent = 0
      started = MonotonicClock.nanoseconds()
    }
    decodeNanoseconds = spent + MonotonicClock.nanoseconds() - started
    let after = stream.counts
    if after.timedPackets == before.timedPackets {
      noteOtherVendor(payload, destinationPort: destinationPort)
    } else if before.decodedPackets % 16 == 0, let sensorTime = stream.lastPacketTimeNanoseconds {
      // Every 16th packet's sensor time against its capture time is plenty for offset and drift.
      _ = clock.add(sensorTimeNanoseconds: sensorTime, receiveTimeNanoseconds: captureTime)
    }
  }

  /// What to tell a user whose capture gave no sweeps: the vendor its packets look like and
  /// what that vendor needs. Nil when nothing looked like another vendor's packets.
  public var otherVendorHint: String? {
    guard let (guess, count) = otherVendorPackets.max(by: { $0.value < $1.value }) else {
      return nil
    }
    let need =
      switch guess {
      case .ouster: "an Ouster sensor: give its metadata JSON (--metadata FILE.json)"
      case .hesai: "a Hesai sensor: give its model and calibration CSV (--model, --calibration)"
      case .velodyne: "a Velodyne sensor on another port than the configured one"
      }
    return "\(count) UDP payloads were not decoded; they look like \(need)"
  }

  private mutating func noteOtherVendor(
    _ payload: UnsafeRawBufferPointer, destinationPort: UInt16
  ) {
    guard let guess = LidarFormatSniffer.guess(payload, destinationPort: destinationPort)
    else { return }
    // A Velodyne packet the Velodyne stream refused is counted there, with its reason.
    if guess == .velodyne, destinationPort == velodyne?.dataPort { return }
    otherVendorPackets[guess, default: 0] += 1
  }

  /// Emits whatever sweep is being assembled (the partial one at the end of a capture).
  public mutating func flush(onSweep: (inout Sweep, Int64) throws -> Void) rethrows {
    let spent = decodeNanoseconds
    let ingestTotals = ingestCounts
    let onTotals = onTotals
    try stream.flush { sweep, counts in
      onTotals?(ingestTotals.totals(with: counts))
      try onSweep(&sweep, spent)
    }
    decodeNanoseconds = 0
  }
}
