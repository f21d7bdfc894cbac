import SightlineLidar
import SightlineNet

/// Counts of everything that arrived and what became of it. Nothing is dropped uncounted.
public struct IngestCounters: Sendable, Equatable {
  public var records = 0
  public var udpDatagrams = 0
  public var lidarPackets = 0
  public var decodedPackets = 0
  public var positionPackets = 0
  public var otherUDPDatagrams = 0
  public var framesSkipped = [Int](repeating: 0, count: FrameSkipReason.allCases.count)
  public var packetsRejected = [Int](repeating: 0, count: PacketRejectReason.allCases.count)
  public var returnsOutOfRange = 0
  public var points = 0

  public init() {}

  public var totalFramesSkipped: Int { framesSkipped.reduce(0, +) }
  public var totalPacketsRejected: Int { packetsRejected.reduce(0, +) }
}

/// Takes captured link-layer frames (or UDP payloads), decodes the LiDAR packets among them and
/// hands every finished sweep to `onSweep`. Shared by replay and, later, live capture.
public struct LidarIngest {
  public private(set) var counters = IngestCounters()
  public let decoder: VelodyneDecoder
  public private(set) var assembler: SweepAssembler
  /// Nanoseconds spent decoding the packets of the sweep being assembled.
  public private(set) var sweepDecodeNanoseconds: Int64 = 0
  let dataPort: UInt16

  public init(
    decoder: VelodyneDecoder, assembler: SweepAssembler,
    dataPort: UInt16 = VelodynePacketLayout.dataPort
  ) {
    self.decoder = decoder
    self.assembler = assembler
    self.dataPort = dataPort
  }

  /// One captured record. `captureTime` (UTC ns) supplies the hour for the sensor's
  /// microseconds-past-the-hour.
  public mutating func ingest(
    frame: UnsafeRawBufferPointer, linkType: LinkType, captureTime: Int64,
    onSweep: (borrowing Sweep, Int64) throws -> Void
  ) rethrows {
    counters.records += 1
    switch UDPDatagramParser.parse(frame, linkType: linkType) {
    case .skipped(let reason):
      counters.framesSkipped[reason.rawValue] += 1
    case .datagram(let datagram):
      counters.udpDatagrams += 1
      try ingest(datagram: datagram, captureTime: captureTime, onSweep: onSweep)
    }
  }

  public mutating func ingest(
    datagram: UDPDatagram, captureTime: Int64,
    onSweep: (borrowing Sweep, Int64) throws -> Void
  ) rethrows {
    switch datagram.destinationPort {
    case dataPort:
      counters.lidarPackets += 1
      try ingest(lidarPayload: datagram.payload, captureTime: captureTime, onSweep: onSweep)
    case VelodynePacketLayout.positionPort:
      counters.positionPackets += 1  // GPRMC time and fixes: [B]
    default:
      counters.otherUDPDatagrams += 1
    }
  }

  mutating func ingest(
    lidarPayload payload: UnsafeRawBufferPointer, captureTime: Int64,
    onSweep: (borrowing Sweep, Int64) throws -> Void
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
    let packetTime = TopOfHour.resolve(
      microsecondsPastHour: header.microsecondsPastHour, referenceNanoseconds: captureTime)
    if assembler.needsCutBefore(packetTime: packetTime) {
      try finishSweep(onSweep)
    }
    let started = MonotonicClock.nanoseconds()
    let result = decoder.decode(
      payload, header: header, packetTimeNanoseconds: packetTime, into: &assembler.sweep.points)
    sweepDecodeNanoseconds += MonotonicClock.nanoseconds() - started
    counters.decodedPackets += 1
    counters.points += result.pointsEmitted
    counters.returnsOutOfRange += result.returnsOutOfRange
    if assembler.didAppend(header, packetTime: packetTime) {
      try finishSweep(onSweep)
    }
  }

  /// Emits whatever sweep is being assembled (the partial one at the end of a capture).
  public mutating func flush(onSweep: (borrowing Sweep, Int64) throws -> Void) rethrows {
    if assembler.sweep.packetCount > 0 { try finishSweep(onSweep) }
  }

  mutating func finishSweep(_ onSweep: (borrowing Sweep, Int64) throws -> Void) rethrows {
    defer {
      assembler.reset()
      sweepDecodeNanoseconds = 0
    }
    try onSweep(assembler.sweep, sweepDecodeNanoseconds)
  }
}
