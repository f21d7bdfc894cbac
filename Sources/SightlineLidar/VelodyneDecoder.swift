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
}

/// Turns data packets into points. Holds only lookup tables; `decode` appends into the caller's
/// array, which never reallocates while it has capacity, so the steady state allocates nothing.
public struct VelodyneDecoder: Sendable {
  public let table: LaserTable
  public let range: RangeLimits
  /// When set, packets are decoded as this model whatever their product byte says
  /// (early VLP-16 firmware reports 0x21).
  public let modelOverride: VelodyneModel?
  let cosAzimuth: [Float]
  let sinAzimuth: [Float]

  public enum InitError: Error, CustomStringConvertible {
    case unsupportedModel(VelodyneModel)
    public var description: String {
      switch self {
      case .unsupportedModel(let model): "decoding \(model) is not supported yet (VLP-16 only)"
      }
    }
  }

  public init(
    model: VelodyneModel = .vlp16, modelOverride: Bool = false,
    range: RangeLimits = RangeLimits()
  ) throws(InitError) {
    guard let table = LaserTable.builtIn(for: model) else { throw .unsupportedModel(model) }
    self.table = table
    self.range = range
    self.modelOverride = modelOverride ? model : nil
    let radiansPerUnit = Float.pi / 18000
    cosAzimuth = (0..<36000).map { cosf(Float($0) * radiansPerUnit) }
    sinAzimuth = (0..<36000).map { sinf(Float($0) * radiansPerUnit) }
  }

  /// Why packets carrying this header cannot be decoded with this decoder, or nil if they can.
  public func rejection(of header: VelodynePacketHeader) -> PacketRejectReason? {
    if modelOverride == nil, header.productByte != table.model.rawValue { return .unsupportedModel }
    if header.returnMode == .dual { return .unsupportedReturnMode }
    return nil
  }

  /// Appends the returns of one validated packet. `packetTimeNanoseconds` is the resolved UTC
  /// time of the packet's timestamp (the first firing).
  @discardableResult
  public func decode(
    _ payload: UnsafeRawBufferPointer, header: VelodynePacketHeader,
    packetTimeNanoseconds: Int64, into points: inout [LidarPoint]
  ) -> PacketDecodeResult {
    typealias L = VelodynePacketLayout
    var result = PacketDecodeResult()
    let lastReturn = header.returnMode == .last
    let returnType: UInt8 = lastReturn ? 2 : 1
    let laserCount = table.laserCount
    let lastBlock = L.blockCount - 1

    // Interpolate each firing's azimuth from the packet's average rotation rate.
    let azimuthSpan = (Int(header.lastBlockAzimuth) - Int(header.firstBlockAzimuth) + 36000) % 36000
    table.firingOffsetSeconds.withUnsafeBufferPointer { seconds in
      let packetDuration = seconds[lastBlock * L.channelsPerBlock] - seconds[0]
      let rate = Float(azimuthSpan) / packetDuration
      for block in 0..<L.blockCount {
        let base = block * L.blockSize
        let blockAzimuth = Float(payload.littleEndianUInt16(at: base + 2))
        let blockStart = seconds[block * L.channelsPerBlock]
        for channel in 0..<L.channelsPerBlock {
          let at = base + 4 + channel * 3
          let rawDistance = payload.littleEndianUInt16(at: at)
          if rawDistance == 0 { continue }
          let distance = Float(rawDistance) * table.distanceUnit
          guard distance >= range.minimum, distance <= range.maximum else {
            result.returnsOutOfRange += 1
            continue
          }
          let firing = block * L.channelsPerBlock + channel
          let dt = seconds[firing] - blockStart
          let azimuth = Int(lroundf(blockAzimuth + rate * dt + 36000)) % 36000
          let laser = channel % laserCount
          let horizontal = distance * table.cosVertical[laser]
          points.append(
            LidarPoint(
              x: horizontal * cosAzimuth[azimuth],
              y: -horizontal * sinAzimuth[azimuth],
              z: distance * table.sinVertical[laser] + table.heightOffset[laser],
              distance: distance,
              timeNanoseconds: packetTimeNanoseconds + table.firingOffsetNanoseconds[firing],
              azimuthCentidegrees: UInt16(azimuth),
              intensity: payload[at + 2],
              ring: table.ring[laser],
              returnType: returnType))
          result.pointsEmitted += 1
        }
      }
    }
    return result
  }
}
