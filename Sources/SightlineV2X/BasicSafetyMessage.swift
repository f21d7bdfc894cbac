// BasicSafetyMessage: the 290-bit BSMcoreData as raw wire integers (sentinels kept), the
// Part II ids and regional presence. Part II and regional contents are skipped by their
// open-type lengths, so any J2735 revision decodes. Fixed-size storage: no allocation.

/// PositionalAccuracy: semi-major/minor axes (0.05 m) and orientation (360/65535 deg).
public struct PositionalAccuracy: Sendable, Equatable {
  public var semiMajor: UInt8
  public var semiMinor: UInt8
  public var orientation: UInt16

  static func read(_ reader: inout UPERReader) throws(V2XDecodeError) -> PositionalAccuracy {
    PositionalAccuracy(
      semiMajor: UInt8(try reader.bits(8)),
      semiMinor: UInt8(try reader.bits(8)),
      orientation: UInt16(try reader.bits(16)))
  }
}

/// AccelerationSet4Way: long/lat in 0.01 m/s², vert in 0.02 g, yaw rate in 0.01 deg/s.
public struct AccelerationSet4Way: Sendable, Equatable {
  public var long: Int16
  public var lat: Int16
  public var vert: Int8
  public var yaw: Int16

  static func read(_ reader: inout UPERReader) throws(V2XDecodeError) -> AccelerationSet4Way {
    AccelerationSet4Way(
      long: Int16(try reader.constrained(-2000, 2001, field: "accelSet.long")),
      lat: Int16(try reader.constrained(-2000, 2001, field: "accelSet.lat")),
      vert: Int8(try reader.constrained(-127, 127, field: "accelSet.vert")),
      yaw: Int16(try reader.constrained(-32767, 32767, field: "accelSet.yaw")))
  }
}

/// BrakeSystemStatus; enumerations are their wire indices (see `V2XJSON` for the names).
public struct BrakeSystemStatus: Sendable, Equatable {
  /// BrakeAppliedStatus, 5 bits: unavailable, leftFront, leftRear, rightFront, rightRear.
  public var wheelBrakes: UInt8
  public var traction: UInt8
  public var abs: UInt8
  public var scs: UInt8
  public var brakeBoost: UInt8
  public var auxBrakes: UInt8
}

/// VehicleSize in centimetres.
public struct VehicleSize: Sendable, Equatable {
  public var width: UInt16
  public var length: UInt16
}

/// BSMcoreData exactly as sent: raw integers, sentinels kept (see `BSMSIView` for units).
public struct BSMCoreData: Sendable, Equatable {
  public var msgCnt: UInt8
  /// TemporaryID: four opaque octets, big-endian.
  public var id: UInt32
  public var secMark: UInt16
  public var lat: Int32
  public var long: Int32
  public var elev: Int32
  public var accuracy: PositionalAccuracy
  /// TransmissionState index: neutral, park, forwardGears, reverseGears, reserved1..3,
  /// unavailable.
  public var transmission: UInt8
  public var speed: UInt16
  public var heading: UInt16
  public var angle: Int16
  public var accelSet: AccelerationSet4Way
  public var brakes: BrakeSystemStatus
  public var size: VehicleSize

  /// Reads the 290 bits; the core has no optional fields and no extension marker.
  static func read(_ reader: inout UPERReader) throws(V2XDecodeError) -> BSMCoreData {
    let msgCnt = UInt8(try reader.bits(7))
    let id = UInt32(try reader.octets(4))
    let secMark = UInt16(try reader.bits(16))
    let lat = Int32(try reader.constrained(-900_000_000, 900_000_001, field: "lat"))
    let long = Int32(try reader.constrained(-1_799_999_999, 1_800_000_001, field: "long"))
    let elev = Int32(try reader.constrained(-4096, 61439, field: "elev"))
    let accuracy = try PositionalAccuracy.read(&reader)
    let transmission = UInt8(try reader.bits(3))
    let speed = UInt16(try reader.bits(13))
    let heading = UInt16(try reader.constrained(0, 28800, field: "heading"))
    let angle = Int16(try reader.constrained(-126, 127, field: "angle"))
    let accelSet = try AccelerationSet4Way.read(&reader)
    let brakes = BrakeSystemStatus(
      wheelBrakes: UInt8(try reader.bits(5)),
      traction: UInt8(try reader.bits(2)),
      abs: UInt8(try reader.bits(2)),
      scs: UInt8(try reader.bits(2)),
      brakeBoost: UInt8(try reader.constrained(0, 2, field: "brakeBoost")),
      auxBrakes: UInt8(try reader.bits(2)))
    let size = VehicleSize(
      width: UInt16(try reader.bits(10)), length: UInt16(try reader.bits(12)))
    return BSMCoreData(
      msgCnt: msgCnt, id: id, secMark: secMark, lat: lat, long: long, elev: elev,
      accuracy: accuracy, transmission: transmission, speed: speed, heading: heading,
      angle: angle, accelSet: accelSet, brakes: brakes, size: size)
  }
}

/// Up to 8 PartII-Id values (0..63) in wire order, without an array.
public struct PartIIIds: Sendable, Equatable {
  public private(set) var count: Int = 0
  private var storage: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
    (0, 0, 0, 0, 0, 0, 0, 0)

  public init() {}

  public subscript(index: Int) -> UInt8 {
    precondition(index >= 0 && index < count, "PartIIIds index out of range")
    return withUnsafeBytes(of: storage) { $0[index] }
  }

  mutating func append(_ id: UInt8) {
    guard count < 8 else { return }
    withUnsafeMutableBytes(of: &storage) { $0[count] = id }
    count += 1
  }

  public static func == (lhs: PartIIIds, rhs: PartIIIds) -> Bool {
    guard lhs.count == rhs.count else { return false }
    for index in 0..<lhs.count where lhs[index] != rhs[index] { return false }
    return true
  }
}

/// A decoded BSM: the core, Part II ids (contents skipped) and regional presence.
public struct BasicSafetyMessage: Sendable, Equatable {
  /// The message-level extension bit (extension additions are skipped by length).
  public var hasExtension: Bool
  public var coreData: BSMCoreData
  public var partII: PartIIIds
  /// Number of regional extensions (0 when absent).
  public var regionalCount: Int

  public var hasPartII: Bool { partII.count > 0 }
  public var hasRegional: Bool { regionalCount > 0 }

  /// Decodes a BSM body from a reader bounded to its open type.
  static func read(_ reader: inout UPERReader) throws(V2XDecodeError) -> BasicSafetyMessage {
    let hasExtension = try reader.extensionBit()
    let partIIPresent = try reader.bool()
    let regionalPresent = try reader.bool()
    let coreData = try BSMCoreData.read(&reader)
    var partII = PartIIIds()
    if partIIPresent {
      let count = try reader.sequenceOfCount(1, 8, field: "partII count")
      for _ in 0..<count {
        partII.append(UInt8(try reader.bits(6)))
        try reader.skipOpenType()
      }
    }
    let regionalCount = regionalPresent ? try skipRegionalExtensions(&reader) : 0
    if hasExtension { try reader.skipExtensionAdditions() }
    return BasicSafetyMessage(
      hasExtension: hasExtension, coreData: coreData, partII: partII,
      regionalCount: regionalCount)
  }
}

/// SEQUENCE (SIZE(1..4)) OF RegionalExtension {regionId (0..255), open type}; returns count.
func skipRegionalExtensions(_ reader: inout UPERReader) throws(V2XDecodeError) -> Int {
  let count = try reader.sequenceOfCount(1, 4, field: "regional count")
  for _ in 0..<count {
    _ = try reader.bits(8)
    try reader.skipOpenType()
  }
  return count
}
