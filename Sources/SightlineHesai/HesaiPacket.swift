/// One data packet, checked and with its tail read: a view of the caller's bytes, valid while
/// they are. `parse` accepts only what the decoder can read within bounds, so decoding never
/// traps: a known size, a known return mode the model can send, azimuths under 360°, a distance
/// unit, and (QT128) matching CRCs.
import SightlineLidar

public struct HesaiPacket {
  public let bytes: UnsafeRawBufferPointer
  public let format: HesaiPacketFormat
  public let returnMode: HesaiReturnMode
  /// Metres per distance count: 4 mm fixed on the 40P, the header's dis_unit elsewhere.
  public let distanceUnit: Double
  /// The packet's UTC time (date and time + µs timestamp), nanoseconds since the epoch.
  public let timeNanoseconds: Int64
  public let motorSpeedRPM: Int
  /// The UDP sequence number, when the packet carries one.
  public let sequence: UInt32?
  /// QT128: which of the two alternating channel sets fired (the firing times differ).
  public let modeFlag: UInt8
  /// QT128 only.
  public let functionalSafety: HesaiFunctionalSafety?

  public var model: HesaiModel { format.model }
  public var blockCount: Int { format.blockCount }

  /// Where the parse failed, and which CRC (QT128) if that was it.
  public enum CRCPart: Sendable { case body, functionalSafety, tail }

  public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<
    HesaiPacket, HesaiPacketProblem
  > {
    parse(bytes, failedCRC: { _ in })
  }

  /// As `parse(_:)`, telling `failedCRC` which part's CRC failed.
  public static func parse(
    _ bytes: UnsafeRawBufferPointer, failedCRC: (CRCPart) -> Void
  ) -> Result<HesaiPacket, HesaiPacketProblem> {
    let format: HesaiPacketFormat
    switch HesaiPacketFormat.identify(bytes) {
    case .success(let found): format = found
    case .failure(let problem): return .failure(problem)
    }
    if let problem = structureProblem(bytes, format) { return .failure(problem) }
    if let part = failedCRCPart(bytes, format) {
      failedCRC(part)
      return .failure(.crc)
    }
    let tail = format.tailStart
    guard let mode = HesaiReturnMode(rawValue: bytes[tail + format.tail.returnMode]),
      mode.returns <= format.model.maximumReturns, format.blockCount % mode.returns == 0
    else { return .failure(.returnMode) }
    return .success(HesaiPacket(bytes, format: format, returnMode: mode))
  }

  private init(
    _ bytes: UnsafeRawBufferPointer, format: HesaiPacketFormat, returnMode: HesaiReturnMode
  ) {
    self.bytes = bytes
    self.format = format
    self.returnMode = returnMode
    let tail = format.tailStart
    let layout = format.tail
    distanceUnit = Double(Self.distanceUnitMillimetres(bytes, format)) / 1000
    timeNanoseconds = HesaiClock.nanoseconds(
      bytes, dateAt: tail + layout.dateTime, microsecondsAt: tail + layout.timestamp)
    motorSpeedRPM = Int(Self.uint16(bytes, tail + layout.motorSpeed))
    sequence = format.sequenceOffset(payloadSize: bytes.count).map { Self.uint32(bytes, $0) }
    modeFlag = layout.modeFlag.map { bytes[tail + $0] } ?? 0
    functionalSafety =
      format.safetySize > 0 ? HesaiFunctionalSafety(bytes, at: format.safetyStart) : nil
  }

  /// What this packet says of its sensor (for `inspect`, no calibration needed): the rate from
  /// the tail's motor speed, and the columns (firings) one revolution holds at that rate.
  public var sensorDescription: LidarSensorDescription {
    let revolution = motorSpeedRPM > 0 ? 60e9 / Double(motorSpeedRPM) : 0
    let columns = Int((revolution / HesaiFiringTimes.firingPeriod(model)).rounded())
    return LidarSensorDescription(
      vendor: "Hesai", model: model.rawValue, profile: format.protocolVersion,
      returnMode: returnMode.description, beams: format.laserCount, columnsPerRevolution: columns,
      revolutionsPerSecond: Double(motorSpeedRPM) / 60, timeBase: .utc)
  }

  /// Block `block`'s azimuth in 0.01°, 0..<36000.
  @inline(__always) public func azimuth(block: Int) -> Int {
    Int(Self.uint16(bytes, format.azimuthOffset(block: block)))
  }

  /// The raw distance count and reflectivity of `channel` (0-based) in `block`.
  @inline(__always) func unit(block: Int, channel: Int) -> (distance: UInt16, reflectivity: UInt8) {
    let offset = format.unitOffset(block: block, channel: channel)
    return (Self.uint16(bytes, offset), bytes[offset + 2])
  }

  // MARK: - checks

  private static func structureProblem(
    _ bytes: UnsafeRawBufferPointer, _ format: HesaiPacketFormat
  ) -> HesaiPacketProblem? {
    for block in 0..<format.blockCount {
      if format.blockPrefix == 4 {
        let start = format.headerSize + block * format.blockSize
        if bytes[start] != 0xFF || bytes[start + 1] != 0xEE { return .blockMarker }
      }
      if uint16(bytes, format.azimuthOffset(block: block)) >= 36000 { return .azimuth }
    }
    return distanceUnitMillimetres(bytes, format) == 0 ? .distanceUnit : nil
  }

  private static func failedCRCPart(
    _ bytes: UnsafeRawBufferPointer, _ format: HesaiPacketFormat
  ) -> CRCPart? {
    guard format.hasBodyCRC else { return nil }
    let body = UnsafeRawBufferPointer(rebasing: bytes[format.headerSize..<format.bodyEnd])
    if HesaiCRC.mpeg2(body) != uint32(bytes, format.bodyEnd) { return .body }
    if !HesaiFunctionalSafety.crcMatches(bytes, at: format.safetyStart) {
      return .functionalSafety
    }
    if let crc = format.tail.crc {
      let tail = UnsafeRawBufferPointer(
        rebasing: bytes[format.tailStart..<(format.tailStart + crc)])
      if HesaiCRC.mpeg2(tail) != uint32(bytes, format.tailStart + crc) { return .tail }
    }
    return nil
  }

  private static func distanceUnitMillimetres(
    _ bytes: UnsafeRawBufferPointer, _ format: HesaiPacketFormat
  ) -> UInt8 {
    switch format.headerSize {
    case 0: 4
    case 8: bytes[5]
    default: bytes[9]
    }
  }

  @inline(__always) static func uint16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
    UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
  }

  @inline(__always) static func uint32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }
}
