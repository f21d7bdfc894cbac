import SightlineCalibration
import SightlineLidar
import SightlineNet
import SightlineTimeline

/// Takes captured link-layer frames (or UDP payloads), decodes the LiDAR packets among them and
/// hands every finished sweep to `onSweep`. Shared by replay and live capture. `onSweep` may
/// take the sweep's point buffer by swapping in another with capacity (the live run hands it to
/// the frame thread that way, without copying).
public struct LidarIngest {
  public private(set) var counters = IngestCounters()
  public let decoder: VelodyneDecoder
  public private(set) var assembler: SweepAssembler
  public private(set) var extractor = DatagramExtractor()
  public private(set) var hour = HourReference()
  /// The sensor's (GNSS-disciplined) clock against the host clock that stamped the packets;
  /// every 16th packet feeds it, which is plenty for offset and drift.
  public private(set) var clock = ClockAlignment()
  /// Every GNSS fix the sensor relayed, in arrival order, for the ego-pose stage ([D]).
  public var onFix: ((GNSSFix) -> Void)?
  /// Called with the counters just before each sweep is handed on, for the frame's counters
  /// (`onSweep` cannot read them: the ingest is busy mutating itself).
  public var onTotals: ((LidarTotals) -> Void)?
  /// The most recent packet's model and return mode, for reports.
  public private(set) var lastHeader: VelodynePacketHeader?
  /// Nanoseconds spent decoding the packets of the sweep being assembled.
  public private(set) var sweepDecodeNanoseconds: Int64 = 0
  let dataPort: UInt16
  let positionPort: UInt16

  public init(
    decoder: VelodyneDecoder, assembler: SweepAssembler,
    dataPort: UInt16 = VelodynePacketLayout.dataPort,
    positionPort: UInt16 = VelodynePacketLayout.positionPort
  ) {
    self.decoder = decoder
    self.assembler = assembler
    self.dataPort = dataPort
    self.positionPort = positionPort
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

  /// One captured record. `captureTime` (UTC ns) stands in for the hour until a GPRMC fix
  /// arrives.
  public mutating func ingest(
    frame: UnsafeRawBufferPointer, linkType: LinkType, captureTime: Int64,
    onSweep: (inout Sweep, Int64) throws -> Void
  ) rethrows {
    counters.records += 1
    switch extractor.extract(frame, linkType: linkType, captureTimeNanoseconds: captureTime) {
    case .skipped(let reason):
      counters.framesSkipped[reason.rawValue] += 1
    case .pendingFragment:
      break  // counted by the extractor
    case .datagram(let datagram):
      counters.udpDatagrams += 1
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
    switch destinationPort {
    case dataPort:
      counters.lidarPackets += 1
      try ingest(lidarPayload: payload, captureTime: captureTime, onSweep: onSweep)
    case positionPort:
      counters.positionPackets += 1
      ingest(positionPayload: payload, captureTime: captureTime)
    default:
      counters.otherUDPDatagrams += 1
    }
  }

  mutating func ingest(positionPayload payload: UnsafeRawBufferPointer, captureTime: Int64) {
    switch PositionPacket.parse(payload) {
    case .failure(let failure):
      counters.positionProblems[failure.problem.rawValue] += 1
    case .success(let packet):
      guard let fix = packet.fix else { return }
      counters.gnssFixes += 1
      hour.observe(fix, captureTime: captureTime)
      onFix?(fix)
    }
  }

  mutating func ingest(
    lidarPayload payload: UnsafeRawBufferPointer, captureTime: Int64,
    onSweep: (inout Sweep, Int64) throws -> Void
  ) rethrows {
    let header: VelodynePacketHeader
    switch VelodynePacketHeader.parse(payload) {
    case .rejected(let reason):
      counters.packetsRejected[reason.rawValue] += 1
      return
    case .header(let parsed):
      header = parsed
    }
    if let reason = decoder.rejection(of: header) {
      counters.packetsRejected[reason.rawValue] += 1
      return
    }
    lastHeader = header
    let packetTime = TopOfHour.resolve(
      microsecondsPastHour: header.microsecondsPastHour,
      referenceNanoseconds: hour.reference(captureTime: captureTime))
    if counters.decodedPackets % 16 == 0 {
      _ = clock.add(sensorTimeNanoseconds: packetTime, receiveTimeNanoseconds: captureTime)
    }
    switch assembler.place(packetTime: packetTime) {
    case .dropLate:
      counters.latePackets += 1
      return
    case .cutThenAppend:
      try finishSweep(onSweep)
    case .append:
      break
    }
    let started = MonotonicClock.nanoseconds()
    let result = decoder.decode(
      payload, header: header, packetTimeNanoseconds: packetTime, into: &assembler.sweep.points)
    sweepDecodeNanoseconds += MonotonicClock.nanoseconds() - started
    counters.decodedPackets += 1
    counters.points += result.pointsEmitted
    counters.returnsOutOfRange += result.returnsOutOfRange
    counters.mergedDualReturns += result.mergedDualReturns
    if assembler.didAppend(header, packetTime: packetTime) {
      try finishSweep(onSweep)
    }
  }

  /// Emits whatever sweep is being assembled (the partial one at the end of a capture).
  public mutating func flush(onSweep: (inout Sweep, Int64) throws -> Void) rethrows {
    if assembler.sweep.packetCount > 0 { try finishSweep(onSweep) }
  }

  mutating func finishSweep(_ onSweep: (inout Sweep, Int64) throws -> Void) rethrows {
    defer {
      assembler.reset()
      sweepDecodeNanoseconds = 0
    }
    counters.packetsMissing += assembler.sweep.packetsMissing
    onTotals?(counters.totals)
    try onSweep(&assembler.sweep, sweepDecodeNanoseconds)
  }
}
