import SightlineHesai
import SightlineLidar
import SightlineNet
import SightlineOuster
import SightlineTimeline
import SightlineVelodyne

/// Takes captured link-layer frames (or UDP payloads) and hands the LiDAR payloads among them to
/// the sensor's `LidarStream`, which decodes them and cuts sweeps; every finished sweep goes to
/// `onSweep` with the time spent decoding it. Shared by replay and live capture. `onSweep` may
/// take the sweep's point buffer by swapping in another with capacity (the live run hands it to
/// the frame thread that way, without copying).
public struct LidarIngest {
  /// The sensor's stream: `VelodyneStream`, `OusterStream` or `HesaiStream`.
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
  /// For a sensor on a free-running clock (Ouster's internal oscillator): capture time minus
  /// sensor time at its first packet, added to every sweep's times so that they share the
  /// capture's (host's) timeline. Nil for UTC sensors, and before the first packet.
  public private(set) var sensorClockShift: Int64?
  private var timeBaseChecked = false
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

  /// The LiDAR ingest that a config describes (`LidarStreamFactory`).
  public init(config: SightlineConfig) throws {
    self.init(stream: try LidarStreamFactory.stream(for: config))
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
    let shift = sensorClockShift
    try stream.ingest(
      payload: payload, destinationPort: destinationPort, captureTimeNanoseconds: captureTime
    ) { sweep, counts in
      let now = MonotonicClock.nanoseconds()
      if let shift { Self.shift(&sweep, by: shift) }
      onTotals?(ingestTotals.totals(with: counts))
      try onSweep(&sweep, spent + now - started)
      spent = 0
      started = MonotonicClock.nanoseconds()
    }
    decodeNanoseconds = spent + MonotonicClock.nanoseconds() - started
    let after = stream.counts
    if after.timedPackets == before.timedPackets {
      noteOtherVendor(payload, destinationPort: destinationPort)
      return
    }
    if !timeBaseChecked { checkTimeBase(captureTime: captureTime) }
    if before.decodedPackets % 16 == 0, let sensorTime = stream.lastPacketTimeNanoseconds {
      // Every 16th packet's sensor time against its capture time is plenty for offset and drift.
      _ = clock.add(
        sensorTimeNanoseconds: sensorTime + (sensorClockShift ?? 0),
        receiveTimeNanoseconds: captureTime)
    }
  }

  /// At the first timed packet: a sensor on a free-running clock is moved onto the capture's.
  private mutating func checkTimeBase(captureTime: Int64) {
    timeBaseChecked = true
    guard stream.sensor?.timeBase == .sensorLocal, let sensorTime = stream.lastPacketTimeNanoseconds
    else { return }
    sensorClockShift = captureTime - sensorTime
  }

  private static func shift(_ sweep: inout Sweep, by nanoseconds: Int64) {
    sweep.startNanoseconds += nanoseconds
    sweep.endNanoseconds += nanoseconds
    for index in sweep.points.indices { sweep.points[index].timeNanoseconds += nanoseconds }
  }

  /// What to tell a user whose capture gave no sweeps: the vendor its packets look like and
  /// what that vendor needs. Nil when nothing looked like another vendor's packets.
  public var otherVendorHint: String? { Self.hint(otherVendorPackets) }

  /// The hint for payloads counted by guess (`LidarFormatSniffer`), or nil for none.
  public static func hint(_ guesses: [LidarFormatSniffer.Guess: Int]) -> String? {
    guard let (guess, count) = guesses.max(by: { $0.value < $1.value }) else { return nil }
    let need =
      switch guess {
      case .ouster: "an Ouster sensor: give its metadata JSON (--metadata FILE.json)"
      case .hesai: "a Hesai sensor: give its model and calibration CSV (--model, --calibration)"
      case .velodyne: "a Velodyne sensor (leave lidar.metadata and lidar.model unset)"
      }
    return "\(count) UDP payloads were not decoded; they look like \(need)"
  }

  /// The UDP ports the stream takes (data first).
  public var ports: [UInt16] { stream.ports }

  /// The largest data payload the stream expects (`LidarStream.maxPayloadBytes`).
  public var maxPayloadBytes: Int { stream.maxPayloadBytes }

  private mutating func noteOtherVendor(
    _ payload: UnsafeRawBufferPointer, destinationPort: UInt16
  ) {
    guard let guess = LidarFormatSniffer.guess(payload, destinationPort: destinationPort),
      guess != streamVendor
    else { return }  // the stream's own kind of packet: it counted it, with its reason
    otherVendorPackets[guess, default: 0] += 1
  }

  private var streamVendor: LidarFormatSniffer.Guess? {
    switch stream {
    case is VelodyneStream: .velodyne
    case is OusterStream: .ouster
    case is HesaiStream: .hesai
    default: nil
    }
  }

  /// Emits whatever sweep is being assembled (the partial one at the end of a capture).
  public mutating func flush(onSweep: (inout Sweep, Int64) throws -> Void) rethrows {
    let spent = decodeNanoseconds
    let ingestTotals = ingestCounts
    let onTotals = onTotals
    let shift = sensorClockShift
    try stream.flush { sweep, counts in
      if let shift { Self.shift(&sweep, by: shift) }
      onTotals?(ingestTotals.totals(with: counts))
      try onSweep(&sweep, spent)
    }
    decodeNanoseconds = 0
  }
}
