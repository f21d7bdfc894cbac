// PersonalSafetyMessage: the mandatory head (secMark before msgCnt, unlike the BSM) and all
// 18 optional root fields in wire order. PSM optionals carry no lengths, so each one is parsed
// by structure; pathHistory is walked and summarised by its crumb count.

/// Position3D: lat/long in 1e-7 deg, optional elevation in 0.1 m.
public struct Position3D: Sendable, Equatable {
  public var hasExtension: Bool
  public var lat: Int32
  public var long: Int32
  public var elevation: Int32?
  public var regionalCount: Int

  static func read(_ reader: inout UPERReader) throws(V2XDecodeError) -> Position3D {
    let hasExtension = try reader.extensionBit()
    let elevationPresent = try reader.bool()
    let regionalPresent = try reader.bool()
    let lat = Int32(try reader.constrained(-900_000_000, 900_000_001, field: "lat"))
    let long = Int32(try reader.constrained(-1_799_999_999, 1_800_000_001, field: "long"))
    let elevation =
      elevationPresent
      ? Int32(try reader.constrained(-4096, 61439, field: "elevation")) : nil
    let regionalCount = regionalPresent ? try skipRegionalExtensions(&reader) : 0
    if hasExtension { try reader.skipExtensionAdditions() }
    return Position3D(
      hasExtension: hasExtension, lat: lat, long: long, elevation: elevation,
      regionalCount: regionalCount)
  }
}

/// PathPrediction: radius of curvature in 10 cm (32767 = straight), confidence in 0.5 %.
public struct PathPrediction: Sendable, Equatable {
  public var radiusOfCurve: Int16
  public var confidence: UInt8

  static func read(_ reader: inout UPERReader) throws(V2XDecodeError) -> PathPrediction {
    let hasExtension = try reader.extensionBit()
    let radius = Int16(try reader.constrained(-32767, 32767, field: "radiusOfCurve"))
    let confidence = UInt8(try reader.constrained(0, 200, field: "confidence"))
    if hasExtension { try reader.skipExtensionAdditions() }
    return PathPrediction(radiusOfCurve: radius, confidence: confidence)
  }
}

/// PathHistory, walked by structure and summarised (its points are not kept).
public struct PathHistorySummary: Sendable, Equatable {
  public var hasInitialPosition: Bool
  public var gnssStatus: UInt8?
  public var crumbCount: Int

  static func read(_ reader: inout UPERReader) throws(V2XDecodeError) -> PathHistorySummary {
    let hasExtension = try reader.extensionBit()
    let initialPresent = try reader.bool()
    let statusPresent = try reader.bool()
    if initialPresent { try skipFullPositionVector(&reader) }
    let status = statusPresent ? UInt8(try reader.bits(8)) : nil
    let crumbCount = try reader.sequenceOfCount(1, 23, field: "crumbData count")
    for _ in 0..<crumbCount { try skipPathHistoryPoint(&reader) }
    if hasExtension { try reader.skipExtensionAdditions() }
    return PathHistorySummary(
      hasInitialPosition: initialPresent, gnssStatus: status, crumbCount: crumbCount)
  }

  private static func skipFullPositionVector(
    _ reader: inout UPERReader
  ) throws(V2XDecodeError) {
    let hasExtension = try reader.extensionBit()
    let present = try reader.bits(8)  // 8 optional fields
    func has(_ index: Int) -> Bool { (present >> UInt64(7 - index)) & 1 == 1 }
    if has(0) {  // utcTime: DDateTime, 7 optional fields, no extension marker
      let timePresent = try reader.bits(7)
      if timePresent & 0x40 != 0 { _ = try reader.constrained(0, 4095, field: "year") }
      if timePresent & 0x20 != 0 { _ = try reader.constrained(0, 12, field: "month") }
      if timePresent & 0x10 != 0 { _ = try reader.constrained(0, 31, field: "day") }
      if timePresent & 0x08 != 0 { _ = try reader.constrained(0, 31, field: "hour") }
      if timePresent & 0x04 != 0 { _ = try reader.constrained(0, 60, field: "minute") }
      if timePresent & 0x02 != 0 { _ = try reader.bits(16) }
      if timePresent & 0x01 != 0 { _ = try reader.constrained(-840, 840, field: "offset") }
    }
    _ = try reader.constrained(-1_799_999_999, 1_800_000_001, field: "long")
    _ = try reader.constrained(-900_000_000, 900_000_001, field: "lat")
    if has(1) { _ = try reader.constrained(-4096, 61439, field: "elevation") }
    if has(2) { _ = try reader.constrained(0, 28800, field: "heading") }
    if has(3) { _ = try reader.bits(3 + 13) }  // TransmissionAndSpeed
    if has(4) { _ = try reader.bits(32) }  // PositionalAccuracy
    if has(5) { _ = try reader.constrained(0, 39, field: "timeConfidence") }
    if has(6) { _ = try reader.bits(4 + 4) }  // PositionConfidenceSet
    if has(7) { _ = try reader.bits(3 + 3 + 2) }  // SpeedandHeadingandThrottleConfidence
    if hasExtension { try reader.skipExtensionAdditions() }
  }

  private static func skipPathHistoryPoint(_ reader: inout UPERReader) throws(V2XDecodeError) {
    let hasExtension = try reader.extensionBit()
    let present = try reader.bits(3)
    _ = try reader.bits(18 + 18 + 12)  // lat/lon offsets, elevation offset
    _ = try reader.constrained(1, 65535, field: "timeOffset")
    if present & 4 != 0 { _ = try reader.bits(13) }  // speed
    if present & 2 != 0 { _ = try reader.bits(32) }  // posAccuracy
    if present & 1 != 0 { _ = try reader.constrained(0, 240, field: "coarseHeading") }
    if hasExtension { try reader.skipExtensionAdditions() }
  }
}

/// PropelledInformation CHOICE: human (0), animal (1) or motor (2), with the enum index.
public struct Propulsion: Sendable, Equatable {
  public var kind: UInt8
  public var value: UInt8

  static func read(_ reader: inout UPERReader) throws(V2XDecodeError) -> Propulsion {
    if try reader.extensionBit() {
      // An unknown alternative: its index, then its value as an open type.
      let index = try reader.normallySmall()
      try reader.skipOpenType()
      return Propulsion(kind: UInt8(truncatingIfNeeded: 3 &+ index), value: 0)
    }
    let kind = UInt8(try reader.constrained(0, 2, field: "propulsion"))
    let rootCount = kind == 1 ? 4 : 6
    let value = try reader.extensibleEnumerated(rootCount: rootCount, field: "propulsion value")
    return Propulsion(kind: kind, value: value)
  }
}

/// A decoded PSM. Enumerations are wire indices; bit strings keep their bits.
public struct PersonalSafetyMessage: Sendable, Equatable {
  public var hasExtension: Bool
  /// PersonalDeviceUserType: unavailable, aPEDESTRIAN, aPEDALCYCLIST, aPUBLICSAFETYWORKER,
  /// anANIMAL (5 and above: extension values).
  public var basicType: UInt8
  public var secMark: UInt16
  public var msgCnt: UInt8
  public var id: UInt32
  public var position: Position3D
  public var accuracy: PositionalAccuracy
  public var speed: UInt16
  public var heading: UInt16
  public var accelSet: AccelerationSet4Way?
  public var pathHistory: PathHistorySummary?
  public var pathPrediction: PathPrediction?
  public var propulsion: Propulsion?
  public var useState: BitField?
  public var crossRequest: Bool?
  public var crossState: Bool?
  public var clusterSize: UInt8?
  public var clusterRadius: UInt8?
  public var eventResponderType: UInt8?
  public var activityType: BitField?
  public var activitySubType: BitField?
  public var assistType: BitField?
  public var sizing: BitField?
  public var attachment: UInt8?
  public var attachmentRadius: UInt8?
  public var animalType: UInt8?
  public var regionalCount: Int

  static func read(_ reader: inout UPERReader) throws(V2XDecodeError) -> PersonalSafetyMessage {
    let hasExtension = try reader.extensionBit()
    let present = try reader.bits(18)
    func has(_ index: Int) -> Bool { (present >> UInt64(17 - index)) & 1 == 1 }

    let basicType = try reader.extensibleEnumerated(rootCount: 5, field: "basicType")
    let secMark = UInt16(try reader.bits(16))
    let msgCnt = UInt8(try reader.bits(7))
    let id = UInt32(try reader.octets(4))
    let position = try Position3D.read(&reader)
    let accuracy = try PositionalAccuracy.read(&reader)
    let speed = UInt16(try reader.bits(13))
    let heading = UInt16(try reader.constrained(0, 28800, field: "heading"))

    var message = PersonalSafetyMessage(
      hasExtension: hasExtension, basicType: basicType, secMark: secMark, msgCnt: msgCnt,
      id: id, position: position, accuracy: accuracy, speed: speed, heading: heading,
      regionalCount: 0)
    if has(0) { message.accelSet = try AccelerationSet4Way.read(&reader) }
    if has(1) { message.pathHistory = try PathHistorySummary.read(&reader) }
    if has(2) { message.pathPrediction = try PathPrediction.read(&reader) }
    if has(3) { message.propulsion = try Propulsion.read(&reader) }
    if has(4) { message.useState = try reader.extensibleBitString(rootSize: 9, field: "useState") }
    if has(5) { message.crossRequest = try reader.bool() }
    if has(6) { message.crossState = try reader.bool() }
    if has(7) {
      message.clusterSize = try reader.extensibleEnumerated(rootCount: 4, field: "clusterSize")
    }
    if has(8) {
      message.clusterRadius = UInt8(try reader.constrained(0, 100, field: "clusterRadius"))
    }
    if has(9) {
      message.eventResponderType = try reader.extensibleEnumerated(
        rootCount: 8, field: "eventResponderType")
    }
    if has(10) {
      message.activityType = try reader.extensibleBitString(rootSize: 6, field: "activityType")
    }
    if has(11) {
      message.activitySubType = try reader.extensibleBitString(
        rootSize: 7, field: "activitySubType")
    }
    if has(12) {
      message.assistType = try reader.extensibleBitString(rootSize: 6, field: "assistType")
    }
    if has(13) { message.sizing = try reader.extensibleBitString(rootSize: 5, field: "sizing") }
    if has(14) {
      message.attachment = try reader.extensibleEnumerated(rootCount: 7, field: "attachment")
    }
    if has(15) {
      message.attachmentRadius = UInt8(try reader.constrained(0, 200, field: "attachmentRadius"))
    }
    if has(16) {
      message.animalType = try reader.extensibleEnumerated(rootCount: 4, field: "animalType")
    }
    if has(17) { message.regionalCount = try skipRegionalExtensions(&reader) }
    if hasExtension { try reader.skipExtensionAdditions() }
    return message
  }

  /// Memberwise init for the mandatory head; optionals start absent.
  init(
    hasExtension: Bool, basicType: UInt8, secMark: UInt16, msgCnt: UInt8, id: UInt32,
    position: Position3D, accuracy: PositionalAccuracy, speed: UInt16, heading: UInt16,
    regionalCount: Int
  ) {
    self.hasExtension = hasExtension
    self.basicType = basicType
    self.secMark = secMark
    self.msgCnt = msgCnt
    self.id = id
    self.position = position
    self.accuracy = accuracy
    self.speed = speed
    self.heading = heading
    self.regionalCount = regionalCount
  }
}
