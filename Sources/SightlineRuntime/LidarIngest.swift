import SightlineLidar
import SightlineNet
import SightlineTimeline

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

/// The outside reference that supplies the hour for the sensor's microseconds-past-the-hour:
/// the latest GPRMC fix when the sensor relays one, carried forward by the capture (or receive)
/// clock; the capture clock alone otherwise.
public struct HourReference: Sendable {
  var fixTime: Int64?
  var fixCaptureTime: Int64 = 0

  public init() {}

  mutating func observe(_ fix: GNSSFix, captureTime: Int64) {
    fixTime = fix.utcNanoseconds
    fixCaptureTime = captureTime
  }

  public func reference(captureTime: Int64) -> Int64 {
    // (the hour only: a host clock minutes off still gives the right hour)
    guard let fixTime else { return captureTime }
    return fixTime + (captureTime - fixCaptureTime)
  }

  public var usesGNSS: Bool { fixTime != nil }
}

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
