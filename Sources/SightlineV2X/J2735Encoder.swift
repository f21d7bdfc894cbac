// J2735Encoder: BSM and PSM values → UPER MessageFrame bytes, the inverse of
// `J2735.decodeFrame`, so decode(encode(x)) == x and, for a value that keeps everything its
// frame held, encode(decode(bytes)) == bytes. Every field is range-checked against its ASN.1
// type first; a bad value is a typed error, never a trap. Pure: no Foundation, no I/O.
//
// Decoded values only summarise some parts (Part II and regional contents, the PSM path
// history). Those are written either verbatim from `BSMCarriedParts` or as stand-ins, the
// smallest standard encodings that carry the same summary; see `J2735StandIns`.

/// One open type carried verbatim: its id (a PartII-Id or RegionId) and its encoded contents.
public struct CarriedOpenType: Sendable, Equatable {
  public var id: UInt8
  public var octets: [UInt8]

  public init(id: UInt8, octets: [UInt8]) {
    self.id = id
    self.octets = octets
  }
}

/// The Part II items and regional extensions of a BSM frame, exactly as sent. `decodeFrame`
/// skips their contents by length; carrying them lets a tool edit a real BSM's core (say, to
/// anonymise its id) and write the rest back unchanged.
public struct BSMCarriedParts: Sendable, Equatable {
  public var partII: [CarriedOpenType]
  public var regional: [CarriedOpenType]

  public init(partII: [CarriedOpenType] = [], regional: [CarriedOpenType] = []) {
    self.partII = partII
    self.regional = regional
  }

  /// Lifts the Part II and regional contents out of a BSM MessageFrame starting at byte 0.
  public init(frame bytes: UnsafeRawBufferPointer) throws(V2XDecodeError) {
    var reader = UPERReader(bytes)
    _ = try reader.extensionBit()
    let messageId = Int(try reader.bits(15))
    guard messageId == KnownMessageID.basicSafetyMessage.rawValue else {
      throw .unsupported("carried parts come from BSM frames only")
    }
    var body = try reader.openType()
    _ = try body.extensionBit()
    let partIIPresent = try body.bool()
    let regionalPresent = try body.bool()
    try body.skip(bits: BSMCoreData.bitCount)
    self.init()
    if partIIPresent {
      let count = try body.sequenceOfCount(1, 8, field: "partII count")
      for _ in 0..<count {
        let id = UInt8(try body.bits(6))
        partII.append(CarriedOpenType(id: id, octets: try Self.contents(of: &body)))
      }
    }
    if regionalPresent {
      let count = try body.sequenceOfCount(1, 4, field: "regional count")
      for _ in 0..<count {
        let id = UInt8(try body.bits(8))
        regional.append(CarriedOpenType(id: id, octets: try Self.contents(of: &body)))
      }
    }
  }

  private static func contents(of reader: inout UPERReader) throws(V2XDecodeError) -> [UInt8] {
    var inner = try reader.openType()
    var octets: [UInt8] = []
    octets.reserveCapacity(inner.remainingBits >> 3)
    while inner.remainingBits >= 8 { octets.append(UInt8(try inner.bits(8))) }
    return octets
  }
}

/// The smallest standard encodings that say what a decoded value keeps of a part it skipped:
/// that it is there, with which id or how many times, and nothing more.
public enum J2735StandIns {
  /// Part II contents with every OPTIONAL field absent: VehicleSafetyExtensions (id 0, an
  /// extension bit and 4 presence bits), SpecialVehicleExtensions (id 1, 1 + 3 bits) and
  /// SupplementalVehicleExtensions (id 2, 1 + 10 bits). Other ids have no J2735 type.
  public static func partIIContents(id: UInt8) -> [UInt8]? {
    switch id {
    case 0, 1: return [0x00]
    case 2: return [0x00, 0x00]
    default: return nil
    }
  }

  /// A regional extension's contents depend on its region's own module, which the decoder does
  /// not know, so the stand-in is noRegion (0) with the one-zero-octet open type. Decoders that
  /// treat regional content as opaque (most do, and ours does) accept it.
  public static let regionId: UInt8 = 0
  public static let regionalContents: [UInt8] = [0x00]

  /// An unknown PropelledInformation alternative's contents: one zero octet.
  public static let propulsionExtensionContents: [UInt8] = [0x00]
}

extension J2735 {
  /// Encodes a BSM as a MessageFrame (messageId 20).
  ///
  /// Part II items and regional extensions are written verbatim from `parts` when given (their
  /// ids and count must match the value's), otherwise as `J2735StandIns`, since a decoded value
  /// keeps their ids and count but not their contents.
  public static func encodeFrame(
    _ bsm: BasicSafetyMessage, carrying parts: BSMCarriedParts? = nil
  ) throws(V2XEncodeError) -> [UInt8] {
    var writer = UPERWriter(reservingCapacity: 64)
    try encodeFrame(bsm, carrying: parts, into: &writer)
    return writer.bytes
  }

  /// Appends a BSM MessageFrame to `writer`, starting on an octet boundary, so one writer can
  /// be reused across messages. On a throw the writer is left as it was.
  public static func encodeFrame(
    _ bsm: BasicSafetyMessage, carrying parts: BSMCarriedParts? = nil,
    into writer: inout UPERWriter
  ) throws(V2XEncodeError) {
    try writeFrame(messageId: .basicSafetyMessage, into: &writer) { (body) throws(V2XEncodeError) in
      try bsm.write(&body, carrying: parts)
    }
  }

  /// Encodes a PSM as a MessageFrame (messageId 32). A path history, kept only as a summary,
  /// is written with the summary's shape and every point's values "unavailable"; regional
  /// extensions and propulsion alternatives past the root as `J2735StandIns`.
  public static func encodeFrame(
    _ psm: PersonalSafetyMessage
  ) throws(V2XEncodeError) -> [UInt8] {
    var writer = UPERWriter(reservingCapacity: 64)
    try encodeFrame(psm, into: &writer)
    return writer.bytes
  }

  /// Appends a PSM MessageFrame to `writer`, starting on an octet boundary. On a throw the
  /// writer is left as it was.
  public static func encodeFrame(
    _ psm: PersonalSafetyMessage, into writer: inout UPERWriter
  ) throws(V2XEncodeError) {
    try writeFrame(messageId: .personalSafetyMessage, into: &writer) {
      (body) throws(V2XEncodeError) in
      try psm.write(&body)
    }
  }

  /// MessageFrame: no extension additions, the 15-bit messageId, the body as an open type.
  private static func writeFrame(
    messageId: KnownMessageID, into writer: inout UPERWriter,
    body: (inout UPERWriter) throws(V2XEncodeError) -> Void
  ) throws(V2XEncodeError) {
    let start = writer.bitCount
    writer.padToOctet()
    do throws(V2XEncodeError) {
      writer.extensionBit(false)
      try writer.constrained(Int64(messageId.rawValue), 0, 32767, field: "messageId")
      try writer.openType(body)
    } catch {
      writer.truncate(toBit: start)
      throw error
    }
  }
}

// MARK: - BSM

extension BSMCoreData {
  /// The core is a fixed 290 bits: no OPTIONAL fields, no extension marker.
  static let bitCount = 290

  func write(_ writer: inout UPERWriter) throws(V2XEncodeError) {
    try writer.constrained(Int64(msgCnt), 0, 127, field: "msgCnt")
    try writer.octets(UInt64(id), count: 4)
    try writer.constrained(Int64(secMark), 0, 65535, field: "secMark")
    try writer.constrained(Int64(lat), -900_000_000, 900_000_001, field: "lat")
    try writer.constrained(Int64(long), -1_799_999_999, 1_800_000_001, field: "long")
    try writer.constrained(Int64(elev), -4096, 61439, field: "elev")
    try accuracy.write(&writer)
    try writer.constrained(Int64(transmission), 0, 7, field: "transmission")
    try writer.constrained(Int64(speed), 0, 8191, field: "speed")
    try writer.constrained(Int64(heading), 0, 28800, field: "heading")
    try writer.constrained(Int64(angle), -126, 127, field: "angle")
    try accelSet.write(&writer)
    try writer.constrained(Int64(brakes.wheelBrakes), 0, 31, field: "brakes.wheelBrakes")
    try writer.constrained(Int64(brakes.traction), 0, 3, field: "brakes.traction")
    try writer.constrained(Int64(brakes.abs), 0, 3, field: "brakes.abs")
    try writer.constrained(Int64(brakes.scs), 0, 3, field: "brakes.scs")
    try writer.constrained(Int64(brakes.brakeBoost), 0, 2, field: "brakes.brakeBoost")
    try writer.constrained(Int64(brakes.auxBrakes), 0, 3, field: "brakes.auxBrakes")
    try writer.constrained(Int64(size.width), 0, 1023, field: "size.width")
    try writer.constrained(Int64(size.length), 0, 4095, field: "size.length")
  }
}

extension PositionalAccuracy {
  func write(_ writer: inout UPERWriter) throws(V2XEncodeError) {
    try writer.constrained(Int64(semiMajor), 0, 255, field: "accuracy.semiMajor")
    try writer.constrained(Int64(semiMinor), 0, 255, field: "accuracy.semiMinor")
    try writer.constrained(Int64(orientation), 0, 65535, field: "accuracy.orientation")
  }
}

extension AccelerationSet4Way {
  func write(_ writer: inout UPERWriter) throws(V2XEncodeError) {
    try writer.constrained(Int64(long), -2000, 2001, field: "accelSet.long")
    try writer.constrained(Int64(lat), -2000, 2001, field: "accelSet.lat")
    try writer.constrained(Int64(vert), -127, 127, field: "accelSet.vert")
    try writer.constrained(Int64(yaw), -32767, 32767, field: "accelSet.yaw")
  }
}

extension BasicSafetyMessage {
  func write(
    _ writer: inout UPERWriter, carrying parts: BSMCarriedParts?
  ) throws(V2XEncodeError) {
    if let parts {
      guard parts.partII.count == partII.count else {
        throw .carriedPartsMismatch("Part II item count differs from the value's")
      }
      for index in 0..<partII.count where parts.partII[index].id != partII[index] {
        throw .carriedPartsMismatch("Part II ids differ from the value's")
      }
      guard parts.regional.count == regionalCount else {
        throw .carriedPartsMismatch("regional extension count differs from the value's")
      }
    }
    guard !hasExtension else {
      throw .notEncodable("BSM extension bit: the decoder kept no extension additions to write")
    }
    writer.extensionBit(false)
    writer.bool(partII.count > 0)
    writer.bool(regionalCount > 0)
    try coreData.write(&writer)
    if partII.count > 0 {
      try writer.sequenceOfCount(partII.count, 1, 8, field: "partII count")
      for index in 0..<partII.count {
        let id = partII[index]
        try writer.constrained(Int64(id), 0, 63, field: "partII id")
        if let parts {
          try writer.openType(octets: parts.partII[index].octets)
        } else if let standIn = J2735StandIns.partIIContents(id: id) {
          try writer.openType(octets: standIn)
        } else {
          throw .notEncodable("Part II id with no J2735 content type (only 0, 1, 2 have one)")
        }
      }
    }
    if regionalCount > 0 {
      if let parts {
        try writeCarriedRegional(parts.regional, into: &writer)
      } else {
        try writeRegionalStandIns(count: regionalCount, into: &writer)
      }
    }
  }
}

func writeCarriedRegional(
  _ regional: [CarriedOpenType], into writer: inout UPERWriter
) throws(V2XEncodeError) {
  try writer.sequenceOfCount(regional.count, 1, 4, field: "regional count")
  for item in regional {
    writer.appendUnchecked(UInt64(item.id), count: 8)
    try writer.openType(octets: item.octets)
  }
}

/// SEQUENCE (SIZE(1..4)) OF RegionalExtension, each a `J2735StandIns` regional extension.
func writeRegionalStandIns(count: Int, into writer: inout UPERWriter) throws(V2XEncodeError) {
  try writer.sequenceOfCount(count, 1, 4, field: "regional count")
  for _ in 0..<count {
    writer.appendUnchecked(UInt64(J2735StandIns.regionId), count: 8)
    try writer.openType(octets: J2735StandIns.regionalContents)
  }
}

// MARK: - PSM

extension Position3D {
  func write(_ writer: inout UPERWriter) throws(V2XEncodeError) {
    guard !hasExtension else {
      throw .notEncodable("position extension bit: the decoder kept no additions to write")
    }
    writer.extensionBit(false)
    writer.bool(elevation != nil)
    writer.bool(regionalCount > 0)
    try writer.constrained(Int64(lat), -900_000_000, 900_000_001, field: "position.lat")
    try writer.constrained(Int64(long), -1_799_999_999, 1_800_000_001, field: "position.long")
    if let elevation {
      try writer.constrained(Int64(elevation), -4096, 61439, field: "position.elevation")
    }
    if regionalCount > 0 { try writeRegionalStandIns(count: regionalCount, into: &writer) }
  }
}

extension PathPrediction {
  func write(_ writer: inout UPERWriter) throws(V2XEncodeError) {
    writer.extensionBit(false)
    try writer.constrained(Int64(radiusOfCurve), -32767, 32767, field: "radiusOfCurve")
    try writer.constrained(Int64(confidence), 0, 200, field: "pathPrediction.confidence")
  }
}

extension PathHistorySummary {
  /// The summary's shape with nothing measured in it: an initial position of unavailable
  /// lat/long, the GNSS status as kept, and `crumbCount` points whose offsets and time offset
  /// are all their "unavailable" values, so no receiver can take them for a path.
  func write(_ writer: inout UPERWriter) throws(V2XEncodeError) {
    writer.extensionBit(false)
    writer.bool(hasInitialPosition)
    writer.bool(gnssStatus != nil)
    if hasInitialPosition {
      writer.extensionBit(false)
      writer.appendUnchecked(0, count: 8)  // FullPositionVector: all 8 OPTIONAL fields absent
      try writer.constrained(1_800_000_001, -1_799_999_999, 1_800_000_001, field: "long")
      try writer.constrained(900_000_001, -900_000_000, 900_000_001, field: "lat")
    }
    if let gnssStatus { writer.appendUnchecked(UInt64(gnssStatus), count: 8) }
    try writer.sequenceOfCount(crumbCount, 1, 23, field: "pathHistory crumb count")
    for _ in 0..<crumbCount {
      writer.extensionBit(false)
      writer.appendUnchecked(0, count: 3)  // no speed, posAccuracy, heading
      try writer.constrained(-131072, -131072, 131071, field: "latOffset")
      try writer.constrained(-131072, -131072, 131071, field: "lonOffset")
      try writer.constrained(-2048, -2048, 2047, field: "elevationOffset")
      try writer.constrained(65535, 1, 65535, field: "timeOffset")
    }
  }
}

extension Propulsion {
  /// Root alternatives human (6 root values), animal (4), motor (6); kind 3 and up are
  /// alternatives past the root, which a decoded value keeps without contents (value 0).
  func write(_ writer: inout UPERWriter) throws(V2XEncodeError) {
    if kind >= 3 {
      guard value == 0 else {
        throw .notEncodable("propulsion value for an alternative past the root")
      }
      writer.extensionBit(true)
      try writer.normallySmall(Int(kind) - 3)
      try writer.openType(octets: J2735StandIns.propulsionExtensionContents)
      return
    }
    writer.extensionBit(false)
    writer.appendUnchecked(UInt64(kind), count: 2)
    try writer.extensibleEnumerated(
      value, rootCount: kind == 1 ? 4 : 6, field: "propulsion value")
  }
}

extension PersonalSafetyMessage {
  func write(_ writer: inout UPERWriter) throws(V2XEncodeError) {
    guard !hasExtension else {
      throw .notEncodable("PSM extension bit: the decoder kept no extension additions to write")
    }
    writer.extensionBit(false)
    var present = PresenceBitmap(fieldCount: 18)
    present.mark(0, accelSet != nil)
    present.mark(1, pathHistory != nil)
    present.mark(2, pathPrediction != nil)
    present.mark(3, propulsion != nil)
    present.mark(4, useState != nil)
    present.mark(5, crossRequest != nil)
    present.mark(6, crossState != nil)
    present.mark(7, clusterSize != nil)
    present.mark(8, clusterRadius != nil)
    present.mark(9, eventResponderType != nil)
    present.mark(10, activityType != nil)
    present.mark(11, activitySubType != nil)
    present.mark(12, assistType != nil)
    present.mark(13, sizing != nil)
    present.mark(14, attachment != nil)
    present.mark(15, attachmentRadius != nil)
    present.mark(16, animalType != nil)
    present.mark(17, regionalCount > 0)
    writer.presence(present)

    try writer.extensibleEnumerated(basicType, rootCount: 5, field: "basicType")
    try writer.constrained(Int64(secMark), 0, 65535, field: "secMark")
    try writer.constrained(Int64(msgCnt), 0, 127, field: "msgCnt")
    try writer.octets(UInt64(id), count: 4)
    try position.write(&writer)
    try accuracy.write(&writer)
    try writer.constrained(Int64(speed), 0, 8191, field: "speed")
    try writer.constrained(Int64(heading), 0, 28800, field: "heading")

    if let accelSet { try accelSet.write(&writer) }
    if let pathHistory { try pathHistory.write(&writer) }
    if let pathPrediction { try pathPrediction.write(&writer) }
    if let propulsion { try propulsion.write(&writer) }
    if let useState { try writer.extensibleBitString(useState, rootSize: 9, field: "useState") }
    if let crossRequest { writer.bool(crossRequest) }
    if let crossState { writer.bool(crossState) }
    if let clusterSize {
      try writer.extensibleEnumerated(clusterSize, rootCount: 4, field: "clusterSize")
    }
    if let clusterRadius {
      try writer.constrained(Int64(clusterRadius), 0, 100, field: "clusterRadius")
    }
    if let eventResponderType {
      try writer.extensibleEnumerated(
        eventResponderType, rootCount: 8, field: "eventResponderType")
    }
    if let activityType {
      try writer.extensibleBitString(activityType, rootSize: 6, field: "activityType")
    }
    if let activitySubType {
      try writer.extensibleBitString(activitySubType, rootSize: 7, field: "activitySubType")
    }
    if let assistType {
      try writer.extensibleBitString(assistType, rootSize: 6, field: "assistType")
    }
    if let sizing { try writer.extensibleBitString(sizing, rootSize: 5, field: "sizing") }
    if let attachment {
      try writer.extensibleEnumerated(attachment, rootCount: 7, field: "attachment")
    }
    if let attachmentRadius {
      try writer.constrained(Int64(attachmentRadius), 0, 200, field: "attachmentRadius")
    }
    if let animalType {
      try writer.extensibleEnumerated(animalType, rootCount: 4, field: "animalType")
    }
    if regionalCount > 0 { try writeRegionalStandIns(count: regionalCount, into: &writer) }
  }
}

// MARK: - Building values in other modules
// The value types' memberwise initialisers are internal and cannot be redeclared public from
// here, so other modules (a scenario generator) start from these all-"unavailable" values and
// set the public fields they know. Nothing here can be mistaken for a measurement.

extension PositionalAccuracy {
  /// Semi-axes 255 and orientation 65535: accuracy unknown.
  public static let unavailable = PositionalAccuracy(
    semiMajor: 255, semiMinor: 255, orientation: 65535)
}

extension AccelerationSet4Way {
  /// long/lat 2001 and vert −127 are "unavailable"; yaw rate has no sentinel, so 0.
  public static let unavailable = AccelerationSet4Way(long: 2001, lat: 2001, vert: -127, yaw: 0)
}

extension BrakeSystemStatus {
  /// wheelBrakes with only its "unavailable" bit (the first of 5) set; every enum unavailable.
  public static let unavailable = BrakeSystemStatus(
    wheelBrakes: 0b10000, traction: 0, abs: 0, scs: 0, brakeBoost: 0, auxBrakes: 0)
}

extension VehicleSize {
  /// 0 × 0 cm, which J2735 senders use for "unknown".
  public static let unknown = VehicleSize(width: 0, length: 0)
}

extension BSMCoreData {
  /// msgCnt 0 and id 0, and every other field at its "unavailable" value.
  public static let unavailable = BSMCoreData(
    msgCnt: 0, id: 0, secMark: 65535, lat: 900_000_001, long: 1_800_000_001, elev: -4096,
    accuracy: .unavailable, transmission: 7, speed: 8191, heading: 28800, angle: 127,
    accelSet: .unavailable, brakes: .unavailable, size: .unknown)
}

extension PathPrediction {
  /// A straight path (radiusOfCurve 32767) at the given confidence (0.5 % steps, 0...200).
  public static func straight(confidence: UInt8) -> PathPrediction {
    PathPrediction(radiusOfCurve: 32767, confidence: confidence)
  }

  /// A curve of `radiusOfCurve` × 10 cm (negative: to the left) at the given confidence.
  public static func curve(radiusOfCurve: Int16, confidence: UInt8) -> PathPrediction {
    PathPrediction(radiusOfCurve: radiusOfCurve, confidence: confidence)
  }
}

extension Propulsion {
  /// HumanPropelledType index: unavailable, otherTypes, onFoot, skateboard, pushOrTrolley,
  /// wheelchair.
  public static func human(_ value: UInt8) -> Propulsion { Propulsion(kind: 0, value: value) }
  /// AnimalPropelledType index: unavailable, otherTypes, animalMounted, animalDrawnCarriage.
  public static func animal(_ value: UInt8) -> Propulsion { Propulsion(kind: 1, value: value) }
  /// MotorizedPropelledType index: unavailable, otherTypes, wheelChair, bicycle, scooter,
  /// selfBalancingDevice.
  public static func motor(_ value: UInt8) -> Propulsion { Propulsion(kind: 2, value: value) }
}

extension BasicSafetyMessage {
  /// A BSM with only its core: no Part II, no regional extensions.
  public init(coreData: BSMCoreData) {
    self.init(hasExtension: false, coreData: coreData, partII: PartIIIds(), regionalCount: 0)
  }
}

extension Position3D {
  public init(lat: Int32, long: Int32, elevation: Int32? = nil) {
    self.init(
      hasExtension: false, lat: lat, long: long, elevation: elevation, regionalCount: 0)
  }
}

extension PersonalSafetyMessage {
  /// A PSM with its mandatory fields; set the optional ones afterwards.
  public init(
    basicType: UInt8, secMark: UInt16, msgCnt: UInt8, id: UInt32, position: Position3D,
    accuracy: PositionalAccuracy, speed: UInt16, heading: UInt16
  ) {
    self.init(
      hasExtension: false, basicType: basicType, secMark: secMark, msgCnt: msgCnt, id: id,
      position: position, accuracy: accuracy, speed: speed, heading: heading, regionalCount: 0)
  }
}
