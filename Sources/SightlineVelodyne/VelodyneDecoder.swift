#if canImport(Glibc)
  import SightlineLidar

  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Range gate applied to every return, in metres; velodyne-decoder's defaults.
public struct RangeLimits: Sendable, Equatable {
  public var minimum: Float
  public var maximum: Float
  public init(minimum: Float = 0.1, maximum: Float = 200) {
    self.minimum = minimum
    self.maximum = maximum
  }
}

/// What one packet contributed.
public struct PacketDecodeResult: Sendable, Equatable {
  public var pointsEmitted = 0
  public var returnsOutOfRange = 0
  /// Dual-return pairs whose two returns were the same and became one point (return type 3).
  public var mergedDualReturns = 0
}

/// Turns data packets of every supported model and return mode into points. Holds only lookup
/// tables; `decode` appends into the caller's array, which never reallocates while it has
/// capacity, so the steady state allocates nothing.
public struct VelodyneDecoder: Sendable {
  public let range: RangeLimits
  /// When set, packets are decoded as this model whatever their product byte says
  /// (early VLP-16 firmware reports 0x21).
  public let modelOverride: VelodyneModel?
  let tables: [LaserTable]
  let cosAzimuth: [Float]
  let sinAzimuth: [Float]

  /// `calibration` replaces the built-in table of its model.
  public init(
    modelOverride: VelodyneModel? = nil, calibration: LaserTable? = nil,
    range: RangeLimits = RangeLimits()
  ) {
    self.range = range
    self.modelOverride = modelOverride
    tables = VelodyneModel.allCases.map { model in
      calibration.flatMap { $0.model == model ? $0 : nil } ?? LaserTable.builtIn(for: model)
    }
    let radiansPerUnit = Float.pi / 18000
    cosAzimuth = (0..<36000).map { cosf(Float($0) * radiansPerUnit) }
    sinAzimuth = (0..<36000).map { sinf(Float($0) * radiansPerUnit) }
  }

  /// The model packets with this header are decoded as.
  @inline(__always) public func model(of header: VelodynePacketHeader) -> VelodyneModel? {
    modelOverride ?? header.model
  }

  @inline(__always) func table(for model: VelodyneModel) -> LaserTable {
    tables[VelodyneModel.allCases.firstIndex(of: model)!]
  }

  /// Why packets carrying this header cannot be decoded, or nil if they can: an unknown product
  /// byte, a block layout that contradicts the model, or VLS-128 dual return (no capture to
  /// verify it against yet).
  public func rejection(of header: VelodynePacketHeader) -> PacketRejectReason? {
    guard let model = model(of: header) else { return .unsupportedModel }
    if (model == .vls128) != header.hasBankFlags { return .structureContradictsModel }
    if model == .vls128 && header.returnMode == .dual { return .unsupportedReturnMode }
    return nil
  }

  /// Appends the returns of one packet that `rejection(of:)` accepted. `packetTimeNanoseconds`
  /// is the resolved UTC time of the packet's timestamp.
  @discardableResult
  public func decode(
    _ payload: UnsafeRawBufferPointer, header: VelodynePacketHeader,
    packetTimeNanoseconds: Int64, into points: inout [LidarPoint]
  ) -> PacketDecodeResult {
    typealias L = VelodynePacketLayout
    guard let model = model(of: header) else { return PacketDecodeResult() }
    let table = table(for: model)
    let dual = header.returnMode == .dual
    // A column is one firing of every laser: a block, a block pair (dual) or 4 banks (VLS-128).
    let blocksPerColumn = model == .vls128 ? 4 : (dual ? 2 : 1)
    let lastColumn = (L.blockCount - 1) / blocksPerColumn
    var result = PacketDecodeResult()
    table.firingOffsetSeconds.withUnsafeBufferPointer { seconds in
      let packet = Packet(
        payload: payload, table: table, seconds: seconds,
        rate: Self.rotationRate(header, seconds: seconds, lastColumn: lastColumn),
        timeNanoseconds: packetTimeNanoseconds)
      if dual {
        emitDualReturns(packet, into: &points, &result)
      } else {
        let returnType = header.returnMode == .last ? ReturnType.last : ReturnType.strongest
        emitSingleReturns(
          packet, banked: model == .vls128, blocksPerColumn: blocksPerColumn,
          returnType: returnType, into: &points, &result)
      }
    }
    return result
  }
}

// MARK: - decode, step by step (all inlined into `decode`: it runs for every return)

extension VelodyneDecoder {
  /// What every return of one packet shares.
  struct Packet {
    let payload: UnsafeRawBufferPointer
    let table: LaserTable
    /// `table.firingOffsetSeconds`, at `column * LaserTable.slotsPerColumn + slot`.
    let seconds: UnsafeBufferPointer<Float>
    /// Centidegrees per second: the packet's average rotation rate.
    let rate: Float
    let timeNanoseconds: Int64

    /// Byte offset of a channel's 3-byte return (distance, intensity) in a block.
    @inline(__always) func returnOffset(block: Int, channel: Int) -> Int {
      block * VelodynePacketLayout.blockSize + 4 + channel * 3
    }

    /// A return's distance and intensity as one value, to compare the two of a dual pair.
    @inline(__always) func rawReturn(block: Int, channel: Int) -> UInt32 {
      let at = returnOffset(block: block, channel: channel)
      return UInt32(payload.littleEndianUInt16(at: at)) | UInt32(payload[at + 2]) << 16
    }
  }

  /// Interpolate each firing's azimuth from the packet's average rotation rate.
  @inline(__always) private static func rotationRate(
    _ header: VelodynePacketHeader, seconds: UnsafeBufferPointer<Float>, lastColumn: Int
  ) -> Float {
    let span = (Int(header.lastBlockAzimuth) - Int(header.firstBlockAzimuth) + 36000) % 36000
    return Float(span) / (seconds[lastColumn * LaserTable.slotsPerColumn] - seconds[0])
  }

  /// Single return: every block is one bank of a column; empty channels (distance 0) are skipped.
  /// The points go in through `append(contentsOf:)`, which writes them straight into the
  /// array's spare capacity: `append` per point checked the array's uniqueness each time (a
  /// runtime call, and every live value spilled around it).
  @inline(__always) private func emitSingleReturns(
    _ packet: Packet, banked: Bool, blocksPerColumn: Int, returnType: UInt8,
    into points: inout [LidarPoint], _ result: inout PacketDecodeResult
  ) {
    let before = points.count
    var outOfRange = 0
    withUnsafeMutablePointer(to: &outOfRange) { outOfRange in
      points.append(
        contentsOf: SingleReturns(
          decoder: self, packet: packet, banked: banked, blocksPerColumn: blocksPerColumn,
          returnType: returnType, outOfRange: outOfRange))
    }
    result.pointsEmitted += points.count - before
    result.returnsOutOfRange += outOfRange
  }

  /// Dual return: blocks pair up, the even block holds the last return, the odd one the
  /// strongest (or the second strongest when the last is the strongest).
  @inline(__always) private func emitDualReturns(
    _ packet: Packet, into points: inout [LidarPoint], _ result: inout PacketDecodeResult
  ) {
    typealias L = VelodynePacketLayout
    for pair in 0..<(L.blockCount / 2) {
      for channel in 0..<L.channelsPerBlock {
        emitDualPair(packet, pair: pair, channel: channel, into: &points, &result)
      }
    }
  }

  /// One channel of a block pair. A pair that agrees is one point of type 3, never two.
  @inline(__always) private func emitDualPair(
    _ packet: Packet, pair: Int, channel: Int, into points: inout [LidarPoint],
    _ result: inout PacketDecodeResult
  ) {
    let lastBlock = 2 * pair
    let last = packet.rawReturn(block: lastBlock, channel: channel)
    let strongest = packet.rawReturn(block: lastBlock + 1, channel: channel)
    if last == strongest {
      guard last & 0xFFFF != 0 else { return }
      if emit(
        packet, block: lastBlock, channel: channel, bank: 0, column: pair,
        returnType: ReturnType.both, into: &points, &result)
      {
        result.mergedDualReturns += 1
      }
      return
    }
    if last & 0xFFFF != 0 {
      emit(
        packet, block: lastBlock, channel: channel, bank: 0, column: pair,
        returnType: ReturnType.last, into: &points, &result)
    }
    if strongest & 0xFFFF != 0 {
      emit(
        packet, block: lastBlock + 1, channel: channel, bank: 0, column: pair,
        returnType: ReturnType.strongest, into: &points, &result)
    }
  }

  /// Appends one return as a point. False when the range gate drops it.
  @inline(__always) @discardableResult private func emit(
    _ packet: Packet, block: Int, channel: Int, bank: Int, column: Int, returnType: UInt8,
    into points: inout [LidarPoint], _ result: inout PacketDecodeResult
  ) -> Bool {
    guard
      let point = point(
        packet, block: block, channel: channel, bank: bank, column: column,
        returnType: returnType)
    else {
      result.returnsOutOfRange += 1
      return false
    }
    points.append(point)
    result.pointsEmitted += 1
    return true
  }

  /// One return as a point; nil when the range gate drops it.
  @inline(__always) func point(
    _ packet: Packet, block: Int, channel: Int, bank: Int, column: Int, returnType: UInt8
  ) -> LidarPoint? {
    let table = packet.table
    let at = packet.returnOffset(block: block, channel: channel)
    let distance = Float(packet.payload.littleEndianUInt16(at: at)) * table.distanceUnit
    guard distance >= range.minimum, distance <= range.maximum else { return nil }
    let (laser, slot) = table.laserAndSlot(channel: channel, bank: bank)
    let firing = column * LaserTable.slotsPerColumn + slot
    let azimuth = firingAzimuth(packet, block: block, column: column, firing: firing)
    // cos/sin of (azimuth − the laser's horizontal offset).
    let cosAngle =
      cosAzimuth[azimuth] * table.cosRotation[laser]
      + sinAzimuth[azimuth] * table.sinRotation[laser]
    let sinAngle =
      sinAzimuth[azimuth] * table.cosRotation[laser]
      - cosAzimuth[azimuth] * table.sinRotation[laser]
    let horizontal = distance * table.cosVertical[laser]
    return LidarPoint(
      x: horizontal * cosAngle,
      y: -horizontal * sinAngle,
      z: distance * table.sinVertical[laser] + table.heightOffset[laser],
      distance: distance,
      timeNanoseconds: packet.timeNanoseconds + table.firingOffsetNanoseconds[firing],
      azimuthCentidegrees: UInt16(azimuth),
      intensity: packet.payload[at + 2],
      ring: table.ring[laser],
      returnType: returnType)
  }

  /// The block azimuth advanced by the firing's time into its column, in 0..<36000 centidegrees.
  @inline(__always) func firingAzimuth(
    _ packet: Packet, block: Int, column: Int, firing: Int
  ) -> Int {
    let dt = packet.seconds[firing] - packet.seconds[column * LaserTable.slotsPerColumn]
    let blockAzimuth = Float(
      packet.payload.littleEndianUInt16(at: block * VelodynePacketLayout.blockSize + 2))
    // Round half up and wrap without libm or a division: the sum is positive and below
    // 2 × 36000 + a packet's sweep, and a multiple of 1/256, so + 0.5 is exact.
    var azimuth = Int(blockAzimuth + packet.rate * dt + 36000.5)
    // One subtraction almost always; the remainder (a division) only past two turns.
    if azimuth >= 36000 { azimuth &-= 36000 }
    if azimuth >= 36000 { azimuth %= 36000 }
    return azimuth
  }
}
