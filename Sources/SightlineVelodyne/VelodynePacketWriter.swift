// SightlineLidar packet writing: builds real Velodyne data packets (1206 bytes) and GPRMC position
// packets (512 bytes) from returns a caller supplies, so a scenario generator can synthesise
// drives that any decoder reads. Pure: no I/O; each writer reuses one packet buffer.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One laser's return. A distance of 0 (or one the sensor cannot report) means no return.
public struct LaserReturn: Sendable, Equatable {
  public var distanceMeters: Float
  public var intensity: UInt8

  public init(distanceMeters: Float, intensity: UInt8) {
    self.distanceMeters = distanceMeters
    self.intensity = intensity
  }

  public static let none = LaserReturn(distanceMeters: 0, intensity: 0)
}

/// What one laser saw in one firing. Strongest mode writes `strongest`, last mode `last`, dual
/// mode both: the sensor puts the last return in the even block and the strongest in the odd one,
/// or the second strongest when the last is also the strongest. A single echo is the same return
/// twice, which decoders report once (return type 3).
public struct FiringReturns: Sendable, Equatable {
  public var last: LaserReturn
  public var strongest: LaserReturn

  public init(last: LaserReturn, strongest: LaserReturn) {
    self.last = last
    self.strongest = strongest
  }

  /// A single echo: it is both the last and the strongest return.
  public init(_ only: LaserReturn) {
    self.init(last: only, strongest: only)
  }

  public static let none = FiringReturns(.none)
}

/// When and where one laser fires in the packet being written: the ray a ray caster should cast
/// so that decoders put the point where the ray hit.
public struct LaserFiring: Sendable, Equatable {
  /// Firing sequence in the packet (one firing of every laser), in time order.
  public var sequence: Int
  /// Laser index in calibration order (the order of the channels in a block).
  public var laser: Int
  /// Ring number, 0 = lowest beam.
  public var ring: UInt8
  /// Firing time after the packet timestamp (negative for the first VLS-128 groups).
  public var timeOffsetNanoseconds: Int64
  /// Azimuth of the firing, 0.01° in 0..<36000: the block azimuth plus the packet's average
  /// rotation over the firing's delay, as decoders interpolate it (before rounding).
  public var azimuthCentidegrees: Double
  /// The laser's vertical angle.
  public var elevationDegrees: Double
  /// The laser's horizontal offset, subtracted from the firing azimuth.
  public var azimuthCorrectionDegrees: Double
  /// Where the beam starts in the sensor frame (REP 103: x forward, y left, z up), metres.
  public var origin: SIMD3<Float>
  /// Unit vector of the beam in the sensor frame.
  public var direction: SIMD3<Float>
}

/// Why a packet could not be written. The writer never emits a packet decoders would reject.
public enum PacketWriterError: Error, Equatable, CustomStringConvertible {
  /// VLS-128 dual return: its block layout is not verified against a capture, and our decoder
  /// rejects it.
  case unsupportedReturnMode(VelodyneModel, ReturnMode)
  case calibrationForOtherModel(expected: VelodyneModel, found: VelodyneModel)
  case wrongAzimuthCount(expected: Int, found: Int)
  case azimuthOutOfRange(UInt16)
  case timestampBeyondHour(UInt32)

  public var description: String {
    switch self {
    case .unsupportedReturnMode(let model, let mode):
      "cannot write \(model) packets in \(mode) mode"
    case .calibrationForOtherModel(let expected, let found):
      "a \(found) calibration cannot describe a \(expected)"
    case .wrongAzimuthCount(let expected, let found):
      "a packet needs \(expected) block azimuths, got \(found)"
    case .azimuthOutOfRange(let azimuth): "azimuth \(azimuth) is beyond 359.99°"
    case .timestampBeyondHour(let micros): "timestamp \(micros) µs is beyond one hour"
    }
  }
}

/// Writes the data packets of one sensor, one at a time, into a buffer it reuses. Per packet:
/// `begin` with the timestamp and the rotation, ask `firing(sequence:laser:)` for each ray, store
/// what it hit with `setReturns`, then read `packet`. `writePacket` does all of it in one call.
public struct VelodynePacketWriter: Sendable {
  public let model: VelodyneModel
  public let returnMode: ReturnMode
  /// Geometry and firing times: the model's built-in table or the calibration passed in.
  public let table: LaserTable
  /// Byte 1205: the model's, unless overridden (early VLP-16 firmware reports 0x21).
  public let productByte: UInt8
  public var laserCount: Int { table.laserCount }
  /// Firings of every laser per packet: 24 (VLP-16), 12 (32-laser models), 3 (VLS-128), and
  /// half that in dual mode, whose blocks come in pairs.
  public let sequencesPerPacket: Int
  /// Columns carry one azimuth each: a block, a dual-return block pair, or four VLS-128 banks.
  public let columnsPerPacket: Int
  /// Time one packet covers; a sensor sends the next packet this much later.
  public let packetPeriodNanoseconds: Int64
  /// The bytes of the packet being written (1206). Valid after `begin`; returns not set are
  /// "no return". Drop copies before the next `begin`, or it copies the buffer instead of
  /// reusing it.
  public private(set) var packet: [UInt8]

  let sequencesPerColumn: Int
  let blocksPerColumn: Int
  /// Block azimuths of the packet being written, one per column.
  var columnAzimuths: [UInt16]
  /// The packet's average rotation, centidegrees per second, as decoders derive it.
  var centidegreesPerSecond = 0.0
  let elevationDegrees: [Double]
  let azimuthCorrectionDegrees: [Double]

  /// Fails for VLS-128 dual return and for a calibration of another model.
  public init(
    model: VelodyneModel, returnMode: ReturnMode, calibration: LaserTable? = nil,
    productByte: UInt8? = nil
  ) throws(PacketWriterError) {
    if model == .vls128 && returnMode == .dual {
      throw .unsupportedReturnMode(model, returnMode)
    }
    let table = calibration ?? LaserTable.builtIn(for: model)
    guard table.model == model else {
      throw .calibrationForOtherModel(expected: model, found: table.model)
    }
    self.model = model
    self.returnMode = returnMode
    self.table = table
    self.productByte = productByte ?? model.rawValue
    blocksPerColumn = model == .vls128 ? 4 : (returnMode == .dual ? 2 : 1)
    columnsPerPacket = VelodynePacketLayout.blockCount / blocksPerColumn
    sequencesPerColumn = table.laserCount == 16 ? 2 : 1
    sequencesPerPacket = columnsPerPacket * sequencesPerColumn
    packetPeriodNanoseconds =
      switch model {
      case .vlp16, .puckHiRes, .vlp32c: Int64(sequencesPerPacket) * 55_296
      case .hdl32e: Int64(sequencesPerPacket) * 46_080
      case .vls128: Int64(sequencesPerPacket) * 160_000 / 3
      }
    packet = [UInt8](repeating: 0, count: VelodynePacketLayout.payloadSize)
    columnAzimuths = [UInt16](repeating: 0, count: columnsPerPacket)
    let degreesPerRadian = 180 / Double.pi
    elevationDegrees = (0..<table.laserCount).map {
      Double(atan2f(table.sinVertical[$0], table.cosVertical[$0])) * degreesPerRadian
    }
    azimuthCorrectionDegrees = (0..<table.laserCount).map {
      Double(atan2f(table.sinRotation[$0], table.cosRotation[$0])) * degreesPerRadian
    }
  }

  /// A sensor turning at a constant rate, from which block azimuths follow.
  public struct Spin: Sendable, Equatable {
    /// Azimuth at the packet timestamp, 0.01°.
    public var azimuthCentidegrees: Double
    /// Positive: Velodyne sensors turn clockwise seen from above, and azimuth grows.
    public var centidegreesPerSecond: Double

    public init(azimuthCentidegrees: Double, centidegreesPerSecond: Double) {
      self.azimuthCentidegrees = azimuthCentidegrees
      self.centidegreesPerSecond = centidegreesPerSecond
    }

    public init(azimuthCentidegrees: Double, revolutionsPerSecond: Double) {
      self.init(
        azimuthCentidegrees: azimuthCentidegrees,
        centidegreesPerSecond: revolutionsPerSecond * 36000)
    }

    /// The spin `nanoseconds` later: where the next packet starts.
    public func advanced(byNanoseconds nanoseconds: Int64) -> Spin {
      let azimuth = azimuthCentidegrees + centidegreesPerSecond * Double(nanoseconds) * 1e-9
      return Spin(
        azimuthCentidegrees: azimuth - 36000 * (azimuth / 36000).rounded(.down),
        centidegreesPerSecond: centidegreesPerSecond)
    }
  }

  /// Starts a packet whose block azimuths follow from `spin`: each is the azimuth at its
  /// column's first firing, rounded to 0.01°.
  public mutating func begin(microsecondsPastHour: UInt32, spin: Spin) throws(PacketWriterError) {
    guard microsecondsPastHour < VelodynePacketHeader.microsecondsPerHour else {
      throw .timestampBeyondHour(microsecondsPastHour)
    }
    for column in 0..<columnsPerPacket {
      let start = Double(table.firingOffsetNanoseconds[column * LaserTable.slotsPerColumn]) * 1e-9
      let azimuth = Int64((spin.azimuthCentidegrees + spin.centidegreesPerSecond * start).rounded())
      columnAzimuths[column] = UInt16(((azimuth % 36000) + 36000) % 36000)
    }
    startPacket(microsecondsPastHour)
  }

  /// Starts a packet with explicit block azimuths (0.01°), one per column.
  public mutating func begin(microsecondsPastHour: UInt32, columnAzimuths azimuths: [UInt16])
    throws(PacketWriterError)
  {
    guard microsecondsPastHour < VelodynePacketHeader.microsecondsPerHour else {
      throw .timestampBeyondHour(microsecondsPastHour)
    }
    guard azimuths.count == columnsPerPacket else {
      throw .wrongAzimuthCount(expected: columnsPerPacket, found: azimuths.count)
    }
    if let bad = azimuths.first(where: { $0 >= 36000 }) { throw .azimuthOutOfRange(bad) }
    for column in 0..<columnsPerPacket { columnAzimuths[column] = azimuths[column] }
    startPacket(microsecondsPastHour)
  }

  /// Writes the header fields and clears every return.
  mutating func startPacket(_ microsecondsPastHour: UInt32) {
    typealias L = VelodynePacketLayout
    let blocksPerColumn = blocksPerColumn
    let isVLS128 = model == .vls128
    packet.withUnsafeMutableBytes { bytes in
      for block in 0..<L.blockCount {
        let base = block * L.blockSize
        bytes.storeLittleEndian(isVLS128 ? L.bankFlags[block % 4] : L.bank0Flag, at: base)
        bytes.storeLittleEndian(columnAzimuths[block / blocksPerColumn], at: base + 2)
        for offset in (base + 4)..<(base + L.blockSize) { bytes[offset] = 0 }
      }
      bytes.storeLittleEndian(microsecondsPastHour, at: L.timestampOffset)
      bytes[L.returnModeOffset] = returnMode.rawValue
      bytes[L.productOffset] = productByte
    }
    // Decoders interpolate every firing from the first and last block azimuths.
    let span = (Int(columnAzimuths[columnsPerPacket - 1]) - Int(columnAzimuths[0]) + 36000) % 36000
    let lastColumnStart = table.firingOffsetNanoseconds[
      (columnsPerPacket - 1) * LaserTable.slotsPerColumn]
    let duration = Double(lastColumnStart - table.firingOffsetNanoseconds[0]) * 1e-9
    centidegreesPerSecond = duration > 0 ? Double(span) / duration : 0
  }

  /// Where one firing sits: its column, its slot in the firing table, its first block and channel.
  @inline(__always) func place(sequence: Int, laser: Int) -> (
    column: Int, slot: Int, block: Int, channel: Int
  ) {
    precondition(
      (0..<sequencesPerPacket).contains(sequence) && (0..<laserCount).contains(laser),
      "firing (\(sequence), \(laser)) is outside the packet")
    let column = sequence / sequencesPerColumn
    if model == .vls128 {
      return (column, laser, column * 4 + laser / 32, laser % 32)
    }
    let channel = (sequence % sequencesPerColumn) * 16 + laser
    return (column, channel, column * blocksPerColumn, channel)
  }

  /// The ray of one laser in one firing sequence of the packet begun last.
  public func firing(sequence: Int, laser: Int) -> LaserFiring {
    let (column, slot, _, _) = place(sequence: sequence, laser: laser)
    let offsets = table.firingOffsetNanoseconds
    let columnStart = offsets[column * LaserTable.slotsPerColumn]
    let firingTime = offsets[column * LaserTable.slotsPerColumn + slot]
    var azimuth =
      Double(columnAzimuths[column]) + centidegreesPerSecond * Double(firingTime - columnStart)
      * 1e-9
    if azimuth >= 36000 { azimuth -= 36000 }
    // cos/sin of (azimuth − the laser's horizontal offset), as decoders compute them.
    let radians = azimuth * .pi / 18000
    let cosAzimuth = Float(cos(radians))
    let sinAzimuth = Float(sin(radians))
    let cosAngle = cosAzimuth * table.cosRotation[laser] + sinAzimuth * table.sinRotation[laser]
    let sinAngle = sinAzimuth * table.cosRotation[laser] - cosAzimuth * table.sinRotation[laser]
    let horizontal = table.cosVertical[laser]
    return LaserFiring(
      sequence: sequence, laser: laser, ring: table.ring[laser],
      timeOffsetNanoseconds: firingTime, azimuthCentidegrees: azimuth,
      elevationDegrees: elevationDegrees[laser],
      azimuthCorrectionDegrees: azimuthCorrectionDegrees[laser],
      origin: SIMD3(0, 0, table.heightOffset[laser]),
      direction: SIMD3(horizontal * cosAngle, -horizontal * sinAngle, table.sinVertical[laser]))
  }

  /// Stores what one laser saw in one firing of the packet begun last.
  public mutating func setReturns(_ returns: FiringReturns, sequence: Int, laser: Int) {
    let (_, _, block, channel) = place(sequence: sequence, laser: laser)
    switch returnMode {
    case .strongest: store(returns.strongest, block: block, channel: channel)
    case .last: store(returns.last, block: block, channel: channel)
    case .dual:
      store(returns.last, block: block, channel: channel)
      store(returns.strongest, block: block + 1, channel: channel)
    }
  }

  /// The distance in the model's unit, rounded to nearest; 0 when the sensor could not report it.
  public func rawDistance(_ meters: Float) -> UInt16 {
    let units = (meters / table.distanceUnit).rounded()
    guard units.isFinite, units >= 1, units <= Float(UInt16.max) else { return 0 }
    return UInt16(units)
  }

  mutating func store(_ laserReturn: LaserReturn, block: Int, channel: Int) {
    let raw = rawDistance(laserReturn.distanceMeters)
    let at = block * VelodynePacketLayout.blockSize + 4 + channel * 3
    packet.withUnsafeMutableBytes { bytes in
      bytes.storeLittleEndian(raw, at: at)
      bytes[at + 2] = raw == 0 ? 0 : laserReturn.intensity
    }
  }

  /// Writes a whole packet: `returns` is asked once per firing, sequence by sequence and laser by
  /// laser, and answers with what the ray hit.
  @discardableResult
  public mutating func writePacket(
    microsecondsPastHour: UInt32, spin: Spin, returns: (LaserFiring) -> FiringReturns
  ) throws(PacketWriterError) -> [UInt8] {
    try begin(microsecondsPastHour: microsecondsPastHour, spin: spin)
    for sequence in 0..<sequencesPerPacket {
      for laser in 0..<laserCount {
        setReturns(
          returns(firing(sequence: sequence, laser: laser)), sequence: sequence, laser: laser)
      }
    }
    return packet
  }
}

extension GNSSFix {
  /// A fix to relay in a position packet.
  public init(
    utcNanoseconds: Int64, latitude: Double, longitude: Double,
    speedMetersPerSecond: Double? = nil, courseDegrees: Double? = nil, isValid: Bool = true
  ) {
    self.init(
      utcNanoseconds: utcNanoseconds, isValid: isValid, latitude: latitude, longitude: longitude,
      speedMetersPerSecond: speedMetersPerSecond, courseDegrees: courseDegrees)
  }
}

/// Writes 512-byte position packets (port 8308): the sensor clock at byte 198, the PPS status at
/// 202 and, when there is a fix, a `$GPRMC` sentence at 206, into a buffer it reuses.
public struct PositionPacketWriter: Sendable {
  public static let timestampOffset = 198
  public static let ppsStatusOffset = 202
  public static let sentenceOffset = 206

  /// The bytes of the last packet written (512).
  public private(set) var packet: [UInt8]

  public init() {
    packet = [UInt8](repeating: 0, count: PositionPacket.payloadSize)
  }

  /// Writes a packet. `ppsStatus`: 0 absent, 1 synchronising, 2 locked, 3 error. The sentence
  /// carries the time to 0.01 s, minutes of arc to 1e-7, speed to 0.001 kn and course to 0.01°;
  /// the two-digit year is read back as 20yy.
  @discardableResult
  public mutating func write(microsecondsPastHour: UInt32, ppsStatus: UInt8, fix: GNSSFix?)
    -> [UInt8]
  {
    packet.withUnsafeMutableBytes { bytes in
      for index in bytes.indices { bytes[index] = 0 }
      bytes.storeLittleEndian(microsecondsPastHour, at: Self.timestampOffset)
      bytes[Self.ppsStatusOffset] = ppsStatus
      if let fix {
        var text = ASCIIWriter(
          bytes: UnsafeMutableRawBufferPointer(rebasing: bytes[Self.sentenceOffset...]))
        text.writeRMC(fix)
      }
    }
    return packet
  }
}

/// Formats NMEA fields straight into a packet, without strings or allocation.
struct ASCIIWriter {
  let bytes: UnsafeMutableRawBufferPointer
  var position = 0

  mutating func character(_ scalar: Unicode.Scalar) {
    bytes[position] = UInt8(ascii: scalar)
    position += 1
  }

  mutating func text(_ string: StaticString) {
    string.withUTF8Buffer {
      for byte in $0 {
        bytes[position] = byte
        position += 1
      }
    }
  }

  /// `value` (non-negative) as at least `width` digits, zero-padded.
  mutating func digits(_ value: Int64, width: Int) {
    var count = 1
    var rest = value / 10
    while rest > 0 {
      count += 1
      rest /= 10
    }
    count = max(count, width)
    var remaining = value
    for index in stride(from: position + count - 1, through: position, by: -1) {
      bytes[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
      remaining /= 10
    }
    position += count
  }

  /// A non-negative decimal with a fixed number of fraction digits.
  mutating func decimal(_ value: Double, fractionDigits: Int, wholeWidth: Int = 1) {
    var scale: Int64 = 1
    for _ in 0..<fractionDigits { scale *= 10 }
    let scaled = Int64((max(0, value) * Double(scale)).rounded())
    digits(scaled / scale, width: wholeWidth)
    character(".")
    digits(scaled % scale, width: fractionDigits)
  }

  /// "ddmm.mmmmmmm,N" or "dddmm.mmmmmmm,E": degrees and decimal minutes, then the hemisphere.
  mutating func coordinate(
    _ degrees: Double, degreeDigits: Int, positive: Unicode.Scalar, negative: Unicode.Scalar
  ) {
    let tenMillionthsOfMinute = Int64((abs(degrees) * 60 * 1e7).rounded())
    let perDegree: Int64 = 60 * 10_000_000
    digits(tenMillionthsOfMinute / perDegree, width: degreeDigits)
    let minutes = tenMillionthsOfMinute % perDegree
    digits(minutes / 10_000_000, width: 2)
    character(".")
    digits(minutes % 10_000_000, width: 7)
    character(",")
    character(degrees < 0 ? negative : positive)
  }

  /// "$GPRMC,hhmmss.ss,A,lat,N,lon,E,knots,course,ddmmyy,,,A*CS\r\n".
  mutating func writeRMC(_ fix: GNSSFix) {
    let start = position
    let centiseconds = fix.utcNanoseconds.dividedRoundingToNearest(by: 10_000_000)
    let (days, centisecondOfDay) = centiseconds.floorDivided(by: 8_640_000)
    let (year, month, day) = civilDate(daysSinceEpoch: days)
    text("$GPRMC,")
    digits(centisecondOfDay / 360_000, width: 2)
    digits(centisecondOfDay / 6000 % 60, width: 2)
    digits(centisecondOfDay / 100 % 60, width: 2)
    character(".")
    digits(centisecondOfDay % 100, width: 2)
    text(fix.isValid ? ",A," : ",V,")
    coordinate(fix.latitude, degreeDigits: 2, positive: "N", negative: "S")
    character(",")
    coordinate(fix.longitude, degreeDigits: 3, positive: "E", negative: "W")
    character(",")
    if let speed = fix.speedMetersPerSecond {
      decimal(speed / NMEA.knotsToMetersPerSecond, fractionDigits: 3)
    }
    character(",")
    if let course = fix.courseDegrees { decimal(course, fractionDigits: 2) }
    character(",")
    digits(day, width: 2)
    digits(month, width: 2)
    digits(((year % 100) + 100) % 100, width: 2)
    // No magnetic variation; the mode says whether the fix is autonomous or not valid.
    text(fix.isValid ? ",,,A*" : ",,,N*")
    var checksum: UInt8 = 0
    for index in (start + 1)..<(position - 1) { checksum ^= bytes[index] }
    let hex: StaticString = "0123456789ABCDEF"
    hex.withUTF8Buffer { hex in
      bytes[position] = hex[Int(checksum >> 4)]
      bytes[position + 1] = hex[Int(checksum & 0xF)]
    }
    position += 2
    text("\r\n")
  }

  /// Year, month, day of a day count since 1970-01-01 (H. Hinnant's algorithm, the inverse of
  /// `NMEA.daysFromCivil`).
  func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = daysSinceEpoch + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }
}

extension Int64 {
  /// Rounds half away from zero.
  func dividedRoundingToNearest(by divisor: Int64) -> Int64 {
    self >= 0 ? (self + divisor / 2) / divisor : -((-self + divisor / 2) / divisor)
  }

  /// Floor division and its non-negative remainder.
  func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
    let remainder = TopOfHour.floorMod(self, divisor)
    return ((self - remainder) / divisor, remainder)
  }
}

extension UnsafeMutableRawBufferPointer {
  @inline(__always) func storeLittleEndian(_ value: UInt16, at offset: Int) {
    self[offset] = UInt8(truncatingIfNeeded: value)
    self[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
  }
  @inline(__always) func storeLittleEndian(_ value: UInt32, at offset: Int) {
    storeLittleEndian(UInt16(truncatingIfNeeded: value), at: offset)
    storeLittleEndian(UInt16(truncatingIfNeeded: value >> 16), at: offset + 2)
  }
}
