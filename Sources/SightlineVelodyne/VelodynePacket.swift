// SightlineLidar: decodes Velodyne data packets into points and assembles them into sweeps.
// Pure: it reads the caller's bytes and writes into caller-owned, pre-sized buffers.

/// Product byte (offset 1205) of a Velodyne data packet.
public enum VelodyneModel: UInt8, Sendable, CaseIterable, CustomStringConvertible {
  case hdl32e = 0x21
  case vlp16 = 0x22
  case puckHiRes = 0x24
  case vlp32c = 0x28
  case vls128 = 0xA1

  public var description: String {
    switch self {
    case .hdl32e: "HDL-32E"
    case .vlp16: "VLP-16"
    case .puckHiRes: "Puck Hi-Res"
    case .vlp32c: "VLP-32C"
    case .vls128: "VLS-128"
    }
  }

  /// Accepts the names used in config and on the command line ("VLP-16", "vlp16", ...).
  public init?(name: String) {
    let key = name.lowercased().filter { $0.isLetter || $0.isNumber }
    guard
      let model = Self.allCases.first(where: {
        $0.description.lowercased().filter { $0.isLetter || $0.isNumber } == key
      })
    else { return nil }
    self = model
  }
}

/// Return mode byte (offset 1204).
public enum ReturnMode: UInt8, Sendable, CustomStringConvertible {
  case strongest = 0x37
  case last = 0x38
  case dual = 0x39

  public var description: String {
    switch self {
    case .strongest: "strongest"
    case .last: "last"
    case .dual: "dual"
    }
  }
}

/// Fixed layout of the 1206-byte data packet (little-endian).
public enum VelodynePacketLayout {
  public static let payloadSize = 1206
  public static let blockCount = 12
  public static let blockSize = 100
  public static let channelsPerBlock = 32
  public static let timestampOffset = 1200
  public static let returnModeOffset = 1204
  public static let productOffset = 1205
  /// `FF EE` on the wire: the flag of a bank-0 block (every block of single-bank models).
  public static let bank0Flag: UInt16 = 0xEEFF
  /// VLS-128 blocks cycle through four banks: `FF EE`, `FF DD`, `FF CC`, `FF BB`.
  public static let bankFlags: [UInt16] = [0xEEFF, 0xDDFF, 0xCCFF, 0xBBFF]
  public static let dataPort: UInt16 = 2368
  public static let positionPort: UInt16 = 8308
}

extension UnsafeRawBufferPointer {
  @inline(__always) func littleEndianUInt16(at offset: Int) -> UInt16 {
    UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
  }
  @inline(__always) func littleEndianUInt32(at offset: Int) -> UInt32 {
    UInt32(littleEndianUInt16(at: offset)) | UInt32(littleEndianUInt16(at: offset + 2)) << 16
  }
}

/// The fields of a data packet that sweep assembly and timing need, read without decoding points.
public struct VelodynePacketHeader: Sendable, Equatable {
  public var microsecondsPastHour: UInt32
  public var returnModeByte: UInt8
  public var productByte: UInt8
  public var firstBlockAzimuth: UInt16
  public var lastBlockAzimuth: UInt16
  /// True when the blocks cycle through four bank flags (VLS-128), false when all are `FF EE`.
  public var hasBankFlags: Bool

  public init(
    microsecondsPastHour: UInt32, returnModeByte: UInt8, productByte: UInt8,
    firstBlockAzimuth: UInt16, lastBlockAzimuth: UInt16, hasBankFlags: Bool = false
  ) {
    self.hasBankFlags = hasBankFlags
    self.microsecondsPastHour = microsecondsPastHour
    self.returnModeByte = returnModeByte
    self.productByte = productByte
    self.firstBlockAzimuth = firstBlockAzimuth
    self.lastBlockAzimuth = lastBlockAzimuth
  }

  public var model: VelodyneModel? { VelodyneModel(rawValue: productByte) }
  public var returnMode: ReturnMode? { ReturnMode(rawValue: returnModeByte) }
}

/// Why a UDP payload on the data port was not decoded. Counted, never fatal.
public enum PacketRejectReason: Int, CaseIterable, Sendable, CustomStringConvertible {
  case wrongSize
  case badBlockFlag
  case impossibleAzimuth
  case impossibleTimestamp
  case unknownReturnMode
  case unsupportedModel
  case unsupportedReturnMode
  case structureContradictsModel

  /// A stable name for counters and drop reasons ("velodyne.wrong_size").
  public var key: String {
    switch self {
    case .wrongSize: "wrong_size"
    case .badBlockFlag: "bad_block_flag"
    case .impossibleAzimuth: "impossible_azimuth"
    case .impossibleTimestamp: "impossible_timestamp"
    case .unknownReturnMode: "unknown_return_mode"
    case .unsupportedModel: "unsupported_model"
    case .unsupportedReturnMode: "unsupported_return_mode"
    case .structureContradictsModel: "structure_contradicts_model"
    }
  }

  public var description: String {
    switch self {
    case .wrongSize: "payload is not 1206 bytes"
    case .badBlockFlag: "block flags neither all FF EE nor the VLS-128 bank cycle"
    case .impossibleAzimuth: "azimuth beyond 359.99°"
    case .impossibleTimestamp: "timestamp beyond one hour"
    case .unknownReturnMode: "unknown return-mode byte"
    case .unsupportedModel: "unknown product byte"
    case .unsupportedReturnMode: "VLS-128 dual return not decoded yet"
    case .structureContradictsModel: "block flags contradict the model (bank cycle only on VLS-128)"
    }
  }
}

public enum VelodynePacketHeaderParse {
  case header(VelodynePacketHeader)
  case rejected(PacketRejectReason)
}

extension VelodynePacketHeader {
  static let microsecondsPerHour: UInt32 = 3_600_000_000

  /// Validates the structure shared by every single-bank model and reads the header fields.
  public static func parse(_ payload: UnsafeRawBufferPointer) -> VelodynePacketHeaderParse {
    typealias L = VelodynePacketLayout
    guard payload.count == L.payloadSize else { return .rejected(.wrongSize) }
    var allBank0 = true
    var bankCycle = true
    for block in 0..<L.blockCount {
      let base = block * L.blockSize
      let flag = payload.littleEndianUInt16(at: base)
      allBank0 = allBank0 && flag == L.bank0Flag
      bankCycle = bankCycle && flag == L.bankFlags[block % 4]
    }
    guard allBank0 || bankCycle else { return .rejected(.badBlockFlag) }
    for block in 0..<L.blockCount {
      guard payload.littleEndianUInt16(at: block * L.blockSize + 2) < 36000 else {
        return .rejected(.impossibleAzimuth)
      }
    }
    let micros = payload.littleEndianUInt32(at: L.timestampOffset)
    guard micros < microsecondsPerHour else { return .rejected(.impossibleTimestamp) }
    let header = VelodynePacketHeader(
      microsecondsPastHour: micros,
      returnModeByte: payload[L.returnModeOffset],
      productByte: payload[L.productOffset],
      firstBlockAzimuth: payload.littleEndianUInt16(at: 2),
      lastBlockAzimuth: payload.littleEndianUInt16(at: (L.blockCount - 1) * L.blockSize + 2),
      hasBankFlags: bankCycle)
    guard header.returnMode != nil else { return .rejected(.unknownReturnMode) }
    return .header(header)
  }
}
