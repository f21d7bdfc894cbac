// V2XJSON: one JSON line per decoded frame, a stable contract for tests and tools. The
// `coreData` and `psm` objects use the same keys and wire-value conventions as the shared
// vectors (raw integers, ASN.1 enum identifiers, bit strings as {"bits","nbits"}). Off the
// hot path: building the line allocates.

public enum V2XJSON {
  public static func line(for frame: DecodedFrame) -> String {
    var json = JSONObject()
    json.int("messageId", frame.messageId)
    switch frame.body {
    case .bsm(let bsm):
      json.string("type", "BSM")
      json.raw("coreData", coreData(bsm.coreData))
      var ids = "["
      for index in 0..<bsm.partII.count {
        if index > 0 { ids += "," }
        ids += String(bsm.partII[index])
      }
      json.raw("partII", ids + "]")
      json.bool("regional", bsm.hasRegional)
      json.raw("si", si(BSMSIView(bsm.coreData)))
    case .psm(let psm):
      json.string("type", "PSM")
      json.raw("psm", psmObject(psm))
      json.raw("si", si(PSMSIView(psm)))
    case .other:
      json.string("type", "OTHER")
    }
    return json.text
  }

  public static func errorLine(_ error: V2XDecodeError) -> String {
    var json = JSONObject()
    json.string("error", error.description)
    return json.text
  }

  // MARK: Wire objects (the vector contract)

  static func coreData(_ core: BSMCoreData) -> String {
    var json = JSONObject()
    json.int("msgCnt", Int(core.msgCnt))
    json.string("id", hex32(core.id))
    json.int("secMark", Int(core.secMark))
    json.int("lat", Int(core.lat))
    json.int("long", Int(core.long))
    json.int("elev", Int(core.elev))
    json.raw("accuracy", accuracy(core.accuracy))
    json.string("transmission", name(transmissionNames, core.transmission))
    json.int("speed", Int(core.speed))
    json.int("heading", Int(core.heading))
    json.int("angle", Int(core.angle))
    json.raw("accelSet", accelSet(core.accelSet))
    var brakes = JSONObject()
    brakes.raw("wheelBrakes", bitString(UInt32(core.brakes.wheelBrakes), count: 5))
    brakes.string("traction", name(brakeControlNames, core.brakes.traction))
    brakes.string("abs", name(brakeControlNames, core.brakes.abs))
    brakes.string("scs", name(brakeControlNames, core.brakes.scs))
    brakes.string("brakeBoost", name(brakeBoostNames, core.brakes.brakeBoost))
    brakes.string("auxBrakes", name(auxBrakeNames, core.brakes.auxBrakes))
    json.raw("brakes", brakes.text)
    var size = JSONObject()
    size.int("width", Int(core.size.width))
    size.int("length", Int(core.size.length))
    json.raw("size", size.text)
    return json.text
  }

  static func psmObject(_ psm: PersonalSafetyMessage) -> String {
    var json = JSONObject()
    json.string("basicType", name(basicTypeNames, psm.basicType))
    json.int("secMark", Int(psm.secMark))
    json.int("msgCnt", Int(psm.msgCnt))
    json.string("id", hex32(psm.id))
    var position = JSONObject()
    position.int("lat", Int(psm.position.lat))
    position.int("long", Int(psm.position.long))
    if let elevation = psm.position.elevation { position.int("elevation", Int(elevation)) }
    json.raw("position", position.text)
    json.raw("accuracy", accuracy(psm.accuracy))
    json.int("speed", Int(psm.speed))
    json.int("heading", Int(psm.heading))
    if let value = psm.accelSet { json.raw("accelSet", accelSet(value)) }
    if let value = psm.pathHistory {
      // Summary only: the crumbs are walked, not kept.
      var history = JSONObject()
      history.int("crumbCount", value.crumbCount)
      json.raw("pathHistory", history.text)
    }
    if let value = psm.pathPrediction {
      var prediction = JSONObject()
      prediction.int("radiusOfCurve", Int(value.radiusOfCurve))
      prediction.int("confidence", Int(value.confidence))
      json.raw("pathPrediction", prediction.text)
    }
    if let value = psm.propulsion {
      var choice = JSONObject()
      switch value.kind {
      case 0: choice.string("human", name(humanPropelledNames, value.value))
      case 1: choice.string("animal", name(animalPropelledNames, value.value))
      case 2: choice.string("motor", name(motorizedPropelledNames, value.value))
      default: choice.int("extension", Int(value.kind) - 3)
      }
      json.raw("propulsion", choice.text)
    }
    if let value = psm.useState { json.raw("useState", bitString(value)) }
    if let value = psm.crossRequest { json.bool("crossRequest", value) }
    if let value = psm.crossState { json.bool("crossState", value) }
    if let value = psm.clusterSize { json.string("clusterSize", name(clusterSizeNames, value)) }
    if let value = psm.clusterRadius { json.int("clusterRadius", Int(value)) }
    if let value = psm.eventResponderType {
      json.string("eventResponderType", name(eventResponderNames, value))
    }
    if let value = psm.activityType { json.raw("activityType", bitString(value)) }
    if let value = psm.activitySubType { json.raw("activitySubType", bitString(value)) }
    if let value = psm.assistType { json.raw("assistType", bitString(value)) }
    if let value = psm.sizing { json.raw("sizing", bitString(value)) }
    if let value = psm.attachment { json.string("attachment", name(attachmentNames, value)) }
    if let value = psm.attachmentRadius { json.int("attachmentRadius", Int(value)) }
    if let value = psm.animalType { json.string("animalType", name(animalTypeNames, value)) }
    return json.text
  }

  static func accuracy(_ value: PositionalAccuracy) -> String {
    var json = JSONObject()
    json.int("semiMajor", Int(value.semiMajor))
    json.int("semiMinor", Int(value.semiMinor))
    json.int("orientation", Int(value.orientation))
    return json.text
  }

  static func accelSet(_ value: AccelerationSet4Way) -> String {
    var json = JSONObject()
    json.int("long", Int(value.long))
    json.int("lat", Int(value.lat))
    json.int("vert", Int(value.vert))
    json.int("yaw", Int(value.yaw))
    return json.text
  }

  // MARK: SI objects (null = sentinel / unavailable)

  /// Time, position and accuracy: the same keys for every message type.
  static func place(
    time: SecondOfMinute?, latitude: Double?, longitude: Double?, elevation: Double?,
    accuracy: AccuracySI, into json: inout JSONObject
  ) {
    json.double("secondOfMinute", time?.seconds)
    json.bool("leapSecond", time?.isLeapSecond ?? false)
    json.double("latitudeDeg", latitude)
    json.double("longitudeDeg", longitude)
    json.double("elevationM", elevation)
    json.double("semiMajorM", accuracy.semiMajor)
    json.double("semiMinorM", accuracy.semiMinor)
    json.double("orientationDeg", accuracy.orientationDegrees)
  }

  static func si(_ view: BSMSIView) -> String {
    var json = JSONObject()
    place(
      time: view.time, latitude: view.latitudeDegrees, longitude: view.longitudeDegrees,
      elevation: view.elevationMetres, accuracy: view.accuracy, into: &json)
    if let transmission = view.transmission {
      json.string("transmission", name(transmissionNames, transmission))
    } else {
      json.null("transmission")
    }
    json.double("speedMps", view.speedMetresPerSecond)
    json.double("headingDeg", view.headingDegrees)
    json.double("steeringAngleDeg", view.steeringAngleDegrees)
    acceleration(view.acceleration, into: &json)
    json.double("widthM", view.widthMetres)
    json.double("lengthM", view.lengthMetres)
    return json.text
  }

  static func si(_ view: PSMSIView) -> String {
    var json = JSONObject()
    place(
      time: view.time, latitude: view.latitudeDegrees, longitude: view.longitudeDegrees,
      elevation: view.elevationMetres, accuracy: view.accuracy, into: &json)
    json.double("speedMps", view.speedMetresPerSecond)
    json.double("headingDeg", view.headingDegrees)
    if let value = view.acceleration { acceleration(value, into: &json) }
    if view.pathConfidence != nil {
      json.double("pathRadiusM", view.pathRadiusMetres)
      json.bool("pathStraight", view.pathIsStraight)
      json.double("pathConfidence", view.pathConfidence)
    }
    if let value = view.clusterRadiusMetres { json.double("clusterRadiusM", value) }
    if let value = view.attachmentRadiusMetres { json.double("attachmentRadiusM", value) }
    return json.text
  }

  static func acceleration(_ value: AccelerationSI, into json: inout JSONObject) {
    json.double("accelLongMps2", value.longitudinal)
    json.double("accelLatMps2", value.lateral)
    json.double("accelVertMps2", value.vertical)
    json.double("yawRateDegps", value.yawRateDegreesPerSecond)
  }

  // MARK: ASN.1 identifiers

  static let transmissionNames = [
    "neutral", "park", "forwardGears", "reverseGears", "reserved1", "reserved2", "reserved3",
    "unavailable",
  ]
  static let brakeControlNames = ["unavailable", "off", "on", "engaged"]
  static let brakeBoostNames = ["unavailable", "off", "on"]
  static let auxBrakeNames = ["unavailable", "off", "on", "reserved"]
  static let basicTypeNames = [
    "unavailable", "aPEDESTRIAN", "aPEDALCYCLIST", "aPUBLICSAFETYWORKER", "anANIMAL",
  ]
  static let humanPropelledNames = [
    "unavailable", "otherTypes", "onFoot", "skateboard", "pushOrTricycle", "wheelchair",
  ]
  static let animalPropelledNames = [
    "unavailable", "otherTypes", "animalMounted", "animalDrawnCarriage",
  ]
  static let motorizedPropelledNames = [
    "unavailable", "otherTypes", "wheelChair", "bicycle", "scooter", "selfBalancingDevice",
  ]
  static let clusterSizeNames = ["unavailable", "small", "medium", "large"]
  static let eventResponderNames = [
    "unavailable", "towOperater", "fireAndEMSWorker", "aDOTWorkerOrContractor",
    "lawEnforcement", "hazmatResponder", "animalControlWorker", "otherPersonnel",
  ]
  static let attachmentNames = [
    "unavailable", "stroller", "bicycleTrailer", "cart", "wheelchair",
    "otherWalkAssistAttachments", "pet",
  ]
  static let animalTypeNames = ["unavailable", "serviceUse", "pet", "farm"]

  /// The identifier for a root index; extension values (index ≥ root count) as "extN".
  static func name(_ names: [String], _ index: UInt8) -> String {
    let position = Int(index)
    return position < names.count ? names[position] : "ext\(position - names.count)"
  }

  static func hex32(_ value: UInt32) -> String {
    hexBytes(UInt64(value), byteCount: 4)
  }

  /// A bit string as {"bits": hex of the bits left-aligned in whole octets, "nbits": n}.
  static func bitString(_ value: UInt32, count: Int) -> String {
    let byteCount = (count + 7) / 8
    let aligned = UInt64(value) << UInt64(byteCount * 8 - count)
    var json = JSONObject()
    json.string("bits", byteCount == 0 ? "" : hexBytes(aligned, byteCount: byteCount))
    json.int("nbits", count)
    return json.text
  }

  static func bitString(_ field: BitField) -> String {
    bitString(field.value, count: Int(field.count))
  }

  static func hexBytes(_ value: UInt64, byteCount: Int) -> String {
    let digits = Array("0123456789abcdef")
    var text = ""
    for nibble in stride(from: byteCount * 2 - 1, through: 0, by: -1) {
      text.append(digits[Int((value >> UInt64(nibble * 4)) & 0xF)])
    }
    return text
  }
}

/// A flat JSON object writer; values are either scalars or already-encoded JSON text.
struct JSONObject {
  private var body = ""

  var text: String { "{" + body + "}" }

  private mutating func key(_ name: String) {
    if !body.isEmpty { body += "," }
    body += "\"" + name + "\":"
  }

  mutating func raw(_ name: String, _ json: String) {
    key(name)
    body += json
  }

  mutating func int(_ name: String, _ value: Int) {
    raw(name, String(value))
  }

  mutating func bool(_ name: String, _ value: Bool) {
    raw(name, value ? "true" : "false")
  }

  mutating func null(_ name: String) {
    raw(name, "null")
  }

  mutating func double(_ name: String, _ value: Double?) {
    guard let value, value.isFinite else { return null(name) }
    raw(name, String(value))
  }

  mutating func string(_ name: String, _ value: String) {
    key(name)
    body += "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": body += "\\\""
      case "\\": body += "\\\\"
      case "\n": body += "\\n"
      case "\r": body += "\\r"
      case "\t": body += "\\t"
      default:
        if scalar.value < 0x20 {
          body += "\\u00" + V2XJSON.hexBytes(UInt64(scalar.value), byteCount: 1)
        } else {
          body.unicodeScalars.append(scalar)
        }
      }
    }
    body += "\""
  }
}
