/// A Velodyne sensor's stream: data packets on `dataPort` decoded and cut into sweeps at an
/// azimuth, GPRMC position packets on `positionPort` supplying the hour (and the GNSS fixes).
/// Packet times are the sensor's microseconds past the hour, resolved with `hour`.
import SightlineLidar

public struct VelodyneStream: LidarStream {
  public let decoder: VelodyneDecoder
  public private(set) var assembler: SweepAssembler
  public private(set) var hour = HourReference()
  public private(set) var counters = VelodyneCounters()
  /// The most recent packet's header (model and return mode, for reports).
  public private(set) var lastHeader: VelodynePacketHeader?
  public private(set) var lastPacketTimeNanoseconds: Int64?
  /// Every GNSS fix the sensor relayed, in arrival order.
  public var onFix: ((GNSSFix) -> Void)?
  public let dataPort: UInt16
  public let positionPort: UInt16

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

  public mutating func ingest(
    payload: UnsafeRawBufferPointer, destinationPort: UInt16, captureTimeNanoseconds: Int64,
    onSweep: (inout Sweep, LidarStreamCounts) throws -> Void
  ) rethrows {
    switch destinationPort {
    case dataPort:
      counters.lidarPackets += 1
      try ingest(data: payload, captureTime: captureTimeNanoseconds, onSweep: onSweep)
    case positionPort:
      counters.positionPackets += 1
      ingest(position: payload, captureTime: captureTimeNanoseconds)
    default:
      counters.otherUDPDatagrams += 1
    }
  }

  public mutating func flush(onSweep: (inout Sweep, LidarStreamCounts) throws -> Void) rethrows {
    if assembler.sweep.packetCount > 0 { try finishSweep(onSweep) }
  }

  public var sensor: LidarSensorDescription? {
    guard let header = lastHeader, let model = decoder.model(of: header) else { return nil }
    let table = decoder.table(for: model)
    return LidarSensorDescription(
      vendor: "Velodyne", model: model.description,
      profile: "factory bytes 0x\(hex(header.returnModeByte)) 0x\(hex(header.productByte))",
      returnMode: header.returnMode.map { "\($0)" } ?? "unknown", beams: table.laserCount,
      columnsPerRevolution: 0, revolutionsPerSecond: 0, timeBase: .utc)
  }

  private func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return byte < 16 ? "0" + digits : digits
  }

  public var ports: [UInt16] { [dataPort, positionPort] }
  public var maxPayloadBytes: Int { VelodynePacketLayout.payloadSize }

  public var drops: [(reason: String, count: Int)] {
    var drops: [(reason: String, count: Int)] = []
    for reason in PacketRejectReason.allCases where counters.packetsRejected[reason.rawValue] > 0 {
      drops.append(("velodyne.\(reason.key)", counters.packetsRejected[reason.rawValue]))
    }
    for problem in PositionPacket.Problem.allCases
    where counters.positionProblems[problem.rawValue] > 0 {
      drops.append(
        ("velodyne.position.\(problem.key)", counters.positionProblems[problem.rawValue]))
    }
    if counters.latePackets > 0 { drops.append(("velodyne.late_packet", counters.latePackets)) }
    return drops
  }

  public var counts: LidarStreamCounts {
    var counts = LidarStreamCounts()
    counts.dataPackets = counters.lidarPackets
    counts.timedPackets = counters.timedPackets
    counts.decodedPackets = counters.decodedPackets
    counts.packetsMissing = counters.packetsMissing
    counts.latePackets = counters.latePackets
    counts.returnsOutOfRange = counters.returnsOutOfRange
    counts.mergedDualReturns = counters.mergedDualReturns
    counts.points = counters.points
    counts.packetsRejected = counters.packetsRejected.reduce(0, +)
    counts.otherPacketsRejected = counters.positionProblems.reduce(0, +)
    return counts
  }

  mutating func ingest(position payload: UnsafeRawBufferPointer, captureTime: Int64) {
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
    data payload: UnsafeRawBufferPointer, captureTime: Int64,
    onSweep: (inout Sweep, LidarStreamCounts) throws -> Void
  ) rethrows {
    guard let header = acceptedHeader(payload) else { return }
    let packetTime = TopOfHour.resolve(
      microsecondsPastHour: header.microsecondsPastHour,
      referenceNanoseconds: hour.reference(captureTime: captureTime))
    counters.timedPackets += 1
    lastPacketTimeNanoseconds = packetTime
    switch assembler.place(packetTime: packetTime) {
    case .dropLate:
      counters.latePackets += 1
      return
    case .cutThenAppend:
      try finishSweep(onSweep)
    case .append:
      break
    }
    decode(payload, header: header, packetTime: packetTime)
    if assembler.didAppend(header, packetTime: packetTime) {
      try finishSweep(onSweep)
    }
  }

  /// The packet's header, or nil when the packet is rejected (counted by reason).
  private mutating func acceptedHeader(_ payload: UnsafeRawBufferPointer) -> VelodynePacketHeader? {
    switch VelodynePacketHeader.parse(payload) {
    case .rejected(let reason):
      counters.packetsRejected[reason.rawValue] += 1
      return nil
    case .header(let header):
      if let reason = decoder.rejection(of: header) {
        counters.packetsRejected[reason.rawValue] += 1
        return nil
      }
      lastHeader = header
      return header
    }
  }

  private mutating func decode(
    _ payload: UnsafeRawBufferPointer, header: VelodynePacketHeader, packetTime: Int64
  ) {
    let result = decoder.decode(
      payload, header: header, packetTimeNanoseconds: packetTime, into: &assembler.sweep.points)
    counters.decodedPackets += 1
    counters.points += result.pointsEmitted
    counters.returnsOutOfRange += result.returnsOutOfRange
    counters.mergedDualReturns += result.mergedDualReturns
  }

  private mutating func finishSweep(_ onSweep: (inout Sweep, LidarStreamCounts) throws -> Void)
    rethrows
  {
    defer { assembler.reset() }
    counters.packetsMissing += assembler.sweep.packetsMissing
    let counts = self.counts
    try onSweep(&assembler.sweep, counts)
  }
}

/// What a `VelodyneStream` counts.
public struct VelodyneCounters: Sendable, Equatable {
  public var lidarPackets = 0
  /// Accepted packets whose time was read (decoded, or then dropped as late).
  public var timedPackets = 0
  public var decodedPackets = 0
  public var positionPackets = 0
  public var gnssFixes = 0
  public var otherUDPDatagrams = 0
  public var packetsRejected = [Int](repeating: 0, count: PacketRejectReason.allCases.count)
  public var positionProblems = [Int](repeating: 0, count: PositionPacket.Problem.allCases.count)
  public var latePackets = 0
  public var packetsMissing = 0
  public var returnsOutOfRange = 0
  public var mergedDualReturns = 0
  public var points = 0

  public init() {}
}
