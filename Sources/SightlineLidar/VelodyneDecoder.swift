#if canImport(Glibc)
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

/// Return types, as velodyne-decoder numbers them.
public enum ReturnType {
  public static let strongest: UInt8 = 1
  public static let last: UInt8 = 2
  public static let both: UInt8 = 3
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
    let slots = LaserTable.slotsPerColumn
    var result = PacketDecodeResult()

    // Interpolate each firing's azimuth from the packet's average rotation rate.
    let span = (Int(header.lastBlockAzimuth) - Int(header.firstBlockAzimuth) + 36000) % 36000
    table.firingOffsetSeconds.withUnsafeBufferPointer { seconds in
      let rate = Float(span) / (seconds[lastColumn * slots] - seconds[0])

      /// False when the range gate drops the return.
      @inline(__always) @discardableResult func emit(
        block: Int, channel: Int, bank: Int, column: Int, returnType: UInt8
      ) -> Bool {
        let base = block * L.blockSize
        let at = base + 4 + channel * 3
        let distance = Float(payload.littleEndianUInt16(at: at)) * table.distanceUnit
        guard distance >= range.minimum, distance <= range.maximum else {
          result.returnsOutOfRange += 1
          return false
        }
        let (laser, slot) = table.laserAndSlot(channel: channel, bank: bank)
        let firing = column * slots + slot
        let dt = seconds[firing] - seconds[column * slots]
        let blockAzimuth = Float(payload.littleEndianUInt16(at: base + 2))
        // Round half up and wrap without libm or a division: the sum is positive and below
        // 2 × 36000 + a packet's sweep, and a multiple of 1/256, so + 0.5 is exact.
        var azimuth = Int(blockAzimuth + rate * dt + 36000.5)
        while azimuth >= 36000 { azimuth &-= 36000 }
        // cos/sin of (azimuth − the laser's horizontal offset).
        let cosAngle =
          cosAzimuth[azimuth] * table.cosRotation[laser]
          + sinAzimuth[azimuth] * table.sinRotation[laser]
        let sinAngle =
          sinAzimuth[azimuth] * table.cosRotation[laser]
          - cosAzimuth[azimuth] * table.sinRotation[laser]
        let horizontal = distance * table.cosVertical[laser]
        points.append(
          LidarPoint(
            x: horizontal * cosAngle,
            y: -horizontal * sinAngle,
            z: distance * table.sinVertical[laser] + table.heightOffset[laser],
            distance: distance,
            timeNanoseconds: packetTimeNanoseconds + table.firingOffsetNanoseconds[firing],
            azimuthCentidegrees: UInt16(azimuth),
            intensity: payload[at + 2],
            ring: table.ring[laser],
            returnType: returnType))
        result.pointsEmitted += 1
        return true
      }

      @inline(__always) func rawReturn(block: Int, channel: Int) -> UInt32 {
        let at = block * L.blockSize + 4 + channel * 3
        return UInt32(payload.littleEndianUInt16(at: at)) | UInt32(payload[at + 2]) << 16
      }

      if dual {
        // Blocks pair up: the even block holds the last return, the odd one the strongest
        // (or the second strongest when the last is the strongest). A pair that agrees is one
        // point of type 3, never two.
        for pair in 0..<(L.blockCount / 2) {
          let lastBlock = 2 * pair
          for channel in 0..<L.channelsPerBlock {
            let last = rawReturn(block: lastBlock, channel: channel)
            let strongest = rawReturn(block: lastBlock + 1, channel: channel)
            if last == strongest {
              guard last & 0xFFFF != 0 else { continue }
              if emit(
                block: lastBlock, channel: channel, bank: 0, column: pair,
                returnType: ReturnType.both)
              {
                result.mergedDualReturns += 1
              }
              continue
            }
            if last & 0xFFFF != 0 {
              emit(
                block: lastBlock, channel: channel, bank: 0, column: pair,
                returnType: ReturnType.last)
            }
            if strongest & 0xFFFF != 0 {
              emit(
                block: lastBlock + 1, channel: channel, bank: 0, column: pair,
                returnType: ReturnType.strongest)
            }
          }
        }
      } else {
        let returnType = header.returnMode == .last ? ReturnType.last : ReturnType.strongest
        for block in 0..<L.blockCount {
          let bank = model == .vls128 ? block % 4 : 0
          let column = block / blocksPerColumn
          for channel in 0..<L.channelsPerBlock
          where payload.littleEndianUInt16(at: block * L.blockSize + 4 + channel * 3) != 0 {
            emit(
              block: block, channel: channel, bank: bank, column: column,
              returnType: returnType)
          }
        }
      }
    }
    return result
  }
}
