/// A Hesai sensor's UDP payloads in, sweeps out (`LidarStream`): packets are recognised and
/// checked (`HesaiPacket`), decoded with the calibration (`HesaiDecoder`, REP 103 frame) and cut
/// into scans exactly as nebula cuts them (`HesaiScanCutter`): each laser changes scan when its
/// corrected azimuth crosses the cut angle, so sweep N is nebula's frame N, counting cuts from
/// the first packet (sweep 0 is the partial scan before the first cut).
///
/// - A sweep's `packetCount` counts the packets that gave it points (a packet at the cut gives
///   to two); `packetsMissing` the packets lost inside it, from UDP sequence gaps (or azimuth
///   jumps where the packet has no sequence), which also set `hadGap`. `coverageCentidegrees`
///   is the block azimuth swept by those packets' firings: a turn plus the spread of the
///   lasers' azimuth offsets (about 17° on the QT64).
/// - `startNanoseconds` is nebula's scan time: its first packet's time plus the earliest firing
///   offset of the firing that started it; `endNanoseconds` its last packet's time.
/// - Payloads that give no points are counted by reason in `drops` ("hesai.crc", …).
import SightlineLidar

public struct HesaiStream: LidarStream {
  /// nebula's `data_port` for every Hesai model.
  public static let defaultPort: UInt16 = 2368
  /// A scan that never crosses the cut (a motor at rest) is handed on, unfinished, at this size.
  public static let maximumPacketsPerScan = 20_000

  /// Which CRCs failed, QT128 only.
  public struct CRCFailures: Sendable, Equatable {
    public var body: Int
    public var functionalSafety: Int
    public var tail: Int

    public init(body: Int = 0, functionalSafety: Int = 0, tail: Int = 0) {
      self.body = body
      self.functionalSafety = functionalSafety
      self.tail = tail
    }
  }

  public let decoder: HesaiDecoder
  public let port: UInt16
  public private(set) var sensor: LidarSensorDescription?
  /// The latest functional-safety block (QT128), and how many packets reported a degraded state.
  public private(set) var functionalSafety: HesaiFunctionalSafety?
  public private(set) var degradedPackets = 0
  public private(set) var crcFailures = CRCFailures()
  /// Packets lost in all, from sequence gaps (or azimuth jumps).
  public private(set) var packetsLost = 0
  /// The latest accepted packet's own UTC time.
  public private(set) var lastPacketTimeNanoseconds: Int64?
  private var pointsHandedOn = 0

  private var problemCounts = [Int](repeating: 0, count: HesaiPacketProblem.allCases.count)
  private var cutter: HesaiScanCutter
  private var loss = HesaiPacketLoss()
  private var scan0 = Sweep()
  private var scan1 = Sweep()
  /// Per scan: the last firing azimuth that gave it points (coverage), the last packet counted.
  private struct ScanTrack {
    var lastAzimuth = -1
    var lastPacket = -1
  }
  private var tracks = [ScanTrack(), ScanTrack()]
  private var packetSerial = 0
  /// Whether a firing was seen since the start (or the last flush): a scan that starts later
  /// starts at the cut.
  private var hasFired = false

  public init(
    calibration: HesaiCalibration, settings: HesaiDecoderSettings = .init(),
    port: UInt16 = HesaiStream.defaultPort
  ) {
    self.init(decoder: HesaiDecoder(calibration: calibration, settings: settings), port: port)
  }

  /// `pointCapacity` points are reserved in each of the two scan buffers (by default a whole
  /// revolution of the model, so decoding never grows them).
  public init(
    decoder: HesaiDecoder, port: UInt16 = HesaiStream.defaultPort, pointCapacity: Int? = nil
  ) {
    self.decoder = decoder
    self.port = port
    cutter = HesaiScanCutter(
      laserCount: decoder.model.laserCount,
      cutCentidegrees: decoder.settings.cutAzimuthCentidegrees)
    let capacity = pointCapacity ?? decoder.model.pointsPerRevolution
    scan0.points.reserveCapacity(capacity)
    scan1.points.reserveCapacity(capacity)
  }

  public var ports: [UInt16] { [port] }
  /// The largest Hesai payload (a QT128 with its trailing 32 bytes is 1127; leave room).
  public var maxPayloadBytes: Int { 1500 }

  public var drops: [(reason: String, count: Int)] {
    zip(HesaiPacketProblem.allCases, problemCounts).filter { $0.1 > 0 }.map {
      (reason: $0.0.description, count: $0.1)
    }
  }

  public var counts: LidarStreamCounts {
    var counts = LidarStreamCounts()
    var rejected = 0
    for (index, count) in problemCounts.enumerated()
    where index != HesaiPacketProblem.otherPort.rawValue
      && index != HesaiPacketProblem.outOfOrder.rawValue
    {
      rejected += count
    }
    counts.dataPackets = packetSerial + rejected + count(of: .outOfOrder)
    counts.timedPackets = packetSerial
    counts.decodedPackets = packetSerial
    counts.packetsMissing = packetsLost
    counts.latePackets = count(of: .outOfOrder)
    counts.points = pointsHandedOn
    counts.packetsRejected = rejected
    return counts
  }

  private func pointCount(_ scan: UInt8) -> Int {
    scan == 0 ? scan0.points.count : scan1.points.count
  }

  /// How many payloads were dropped for `problem`.
  public func count(of problem: HesaiPacketProblem) -> Int {
    problemCounts[problem.rawValue]
  }

  public mutating func ingest(
    payload: UnsafeRawBufferPointer, destinationPort: UInt16, captureTimeNanoseconds: Int64,
    onSweep: (inout Sweep, LidarStreamCounts) throws -> Void
  ) rethrows {
    guard destinationPort == port else { return drop(.otherPort) }
    guard let packet = accept(payload) else { return }
    packetSerial += 1
    lastPacketTimeNanoseconds = packet.timeNanoseconds
    for firstBlock in stride(from: 0, to: packet.blockCount, by: packet.returnMode.returns) {
      try decodeFiring(packet, firstBlock: firstBlock, onSweep)
    }
    if max(scan0.packetCount, scan1.packetCount) > Self.maximumPacketsPerScan {
      try flush(onSweep: onSweep)
    }
  }

  public mutating func flush(onSweep: (inout Sweep, LidarStreamCounts) throws -> Void) rethrows {
    let current = cutter.currentScan
    try handOnOrEmpty(current, onSweep)
    try handOnOrEmpty(current ^ 1, onSweep)
    cutter.reset()
    loss.reset()
    hasFired = false
  }

  // MARK: - packets

  /// The packet, if it is one this stream decodes; otherwise the payload is counted.
  private mutating func accept(_ payload: UnsafeRawBufferPointer) -> HesaiPacket? {
    var failedPart: HesaiPacket.CRCPart?
    let packet: HesaiPacket
    switch HesaiPacket.parse(payload, failedCRC: { failedPart = $0 }) {
    case .success(let parsed): packet = parsed
    case .failure(let problem):
      if let failedPart { countCRCFailure(failedPart) }
      drop(problem)
      return nil
    }
    guard packet.model == decoder.model else {
      drop(.modelMismatch)
      return nil
    }
    switch loss.judge(sequence: packet.sequence, firstAzimuth: packet.azimuth(block: 0)) {
    case .outOfOrder:
      drop(.outOfOrder)
      return nil
    case .restart: markGap(missing: 0)
    case .next(let missing) where missing > 0: markGap(missing: missing)
    case .next: break
    }
    describe(packet)
    return packet
  }

  private mutating func drop(_ problem: HesaiPacketProblem) {
    problemCounts[problem.rawValue] += 1
  }

  private mutating func countCRCFailure(_ part: HesaiPacket.CRCPart) {
    switch part {
    case .body: crcFailures.body += 1
    case .functionalSafety: crcFailures.functionalSafety += 1
    case .tail: crcFailures.tail += 1
    }
  }

  /// Lost packets belong to the scan being finished; every scan under way has a gap.
  private mutating func markGap(missing: Int) {
    packetsLost += missing
    withScan(cutter.currentScan) { $0.packetsMissing += missing }
    if scan0.packetCount > 0 { scan0.hadGap = true }
    if scan1.packetCount > 0 { scan1.hadGap = true }
  }

  private mutating func describe(_ packet: HesaiPacket) {
    if let safety = packet.functionalSafety {
      functionalSafety = safety
      if safety.isDegraded { degradedPackets += 1 }
    }
    sensor = packet.sensorDescription
  }

  // MARK: - firings and scans

  private mutating func decodeFiring(
    _ packet: HesaiPacket, firstBlock: Int,
    _ onSweep: (inout Sweep, LidarStreamCounts) throws -> Void
  ) rethrows {
    let azimuth = packet.azimuth(block: firstBlock)
    let actions = cutter.step(blockAzimuth: azimuth, angles: decoder.angles)
    if actions.startsBothScans || actions.startScan != nil {
      let startTime =
        packet.timeNanoseconds
        + decoder.firingTimes.earliest(
          block: firstBlock, returns: packet.returnMode.returns, modeFlag: packet.modeFlag)
      if actions.startsBothScans {
        start(0, at: startTime, afterCut: false)
        start(1, at: startTime, afterCut: true)
      } else if let scan = actions.startScan {
        start(scan, at: startTime, afterCut: hasFired)
      }
    }
    if let scan = actions.finishScan { try emit(scan, endedAtCut: true, onSweep) }
    let before = (scan0.points.count, scan1.points.count)
    cutter.laserScans.withUnsafeBufferPointer { laserScans in
      _ = decoder.decodeFiring(
        packet, firstBlock: firstBlock, laserScans: laserScans, into: &scan0.points,
        &scan1.points)
    }
    if scan0.points.count > before.0 { note(scan: 0, azimuth: azimuth, packet: packet) }
    if scan1.points.count > before.1 { note(scan: 1, azimuth: azimuth, packet: packet) }
    hasFired = true
  }

  private mutating func start(_ scan: UInt8, at time: Int64, afterCut: Bool) {
    withScan(scan) {
      $0.startNanoseconds = time
      $0.beganAtCut = afterCut
    }
  }

  /// Counts the packet, the azimuth and the time of a firing that gave `scan` points.
  private mutating func note(scan: UInt8, azimuth: Int, packet: HesaiPacket) {
    let track = tracks[Int(scan)]
    let serial = packetSerial
    withScan(scan) { sweep in
      if track.lastPacket != serial { sweep.packetCount += 1 }
      if track.lastAzimuth >= 0 {
        sweep.coverageCentidegrees += (azimuth - track.lastAzimuth + 36000) % 36000
      }
      sweep.endNanoseconds = packet.timeNanoseconds
    }
    tracks[Int(scan)] = ScanTrack(lastAzimuth: azimuth, lastPacket: serial)
  }

  private mutating func emit(
    _ scan: UInt8, endedAtCut: Bool, _ onSweep: (inout Sweep, LidarStreamCounts) throws -> Void
  ) rethrows {
    pointsHandedOn += packets(in: scan) > 0 ? pointCount(scan) : 0
    let counts = self.counts
    try withScan(scan) { sweep in
      sweep.endedAtCut = endedAtCut
      try onSweep(&sweep, counts)
    }
    reset(scan)
  }

  /// Hands on a scan that has points, unfinished; empties one that has none.
  private mutating func handOnOrEmpty(
    _ scan: UInt8, _ onSweep: (inout Sweep, LidarStreamCounts) throws -> Void
  ) rethrows {
    if packets(in: scan) > 0 {
      try emit(scan, endedAtCut: false, onSweep)
    } else {
      reset(scan)
    }
  }

  /// Empties the scan for its next turn, keeping its buffer.
  private mutating func reset(_ scan: UInt8) {
    withScan(scan) { $0.clear() }
    tracks[Int(scan)] = ScanTrack()
  }

  private func packets(in scan: UInt8) -> Int {
    scan == 0 ? scan0.packetCount : scan1.packetCount
  }

  private mutating func withScan<Result>(
    _ scan: UInt8, _ body: (inout Sweep) throws -> Result
  ) rethrows -> Result {
    scan == 0 ? try body(&scan0) : try body(&scan1)
  }
}
