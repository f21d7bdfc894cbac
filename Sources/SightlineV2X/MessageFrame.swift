// MessageFrame: extension bit, 15-bit DSRC messageId, open-type body. BSM and PSM bodies are
// decoded; other ids in the DSRC table are recognised and skipped by length. The body is read
// through a reader bounded to the declared length, so a lying length cannot leak past it.

/// DSRCmsgID values (J2735 2016 onward; 33 and above arrived in later revisions).
public enum KnownMessageID: Int, Sendable, CaseIterable {
  case mapData = 18
  case signalPhaseAndTiming = 19
  case basicSafetyMessage = 20
  case commonSafetyRequest = 21
  case emergencyVehicleAlert = 22
  case intersectionCollision = 23
  case nmeaCorrections = 24
  case probeDataManagement = 25
  case probeVehicleData = 26
  case roadSideAlert = 27
  case rtcmCorrections = 28
  case signalRequestMessage = 29
  case signalStatusMessage = 30
  case travelerInformation = 31
  case personalSafetyMessage = 32
  case roadSafetyMessage = 33
  case roadWeatherMessage = 34
  case probeDataConfig = 35
  case probeDataReport = 36
  case tollAdvertisement = 37
  case tollUsage = 38
  case tollUsageAck = 39
  case cooperativeControl = 40
  case sensorDataSharing = 41
  case maneuverSharingAndCoordinating = 42
  case roadGeometryAndAttributes = 43
  case personalSafetyMessage2 = 44
  case trafficSignalPhaseAndTiming = 45
  case signalControlAndPrioritizationRequest = 46
  case signalControlAndPrioritizationStatus = 47
  case roadUserChargingConfig = 48
  case roadUserChargingReport = 49
  case trafficLightStatus = 50
  case testMessage00 = 240
  case testMessage01 = 241
  case testMessage02 = 242
  case testMessage03 = 243
  case testMessage04 = 244
  case testMessage05 = 245
  case testMessage06 = 246
  case testMessage07 = 247
  case testMessage08 = 248
  case testMessage09 = 249
  case testMessage10 = 250
  case testMessage11 = 251
  case testMessage12 = 252
  case testMessage13 = 253
  case testMessage14 = 254
  case testMessage15 = 255

  /// Short names used in logs (SPaT, MAP, TIM, ...).
  public var abbreviation: StaticString {
    switch self {
    case .mapData: return "MAP"
    case .signalPhaseAndTiming: return "SPaT"
    case .basicSafetyMessage: return "BSM"
    case .commonSafetyRequest: return "CSR"
    case .emergencyVehicleAlert: return "EVA"
    case .intersectionCollision: return "ICA"
    case .nmeaCorrections: return "NMEA"
    case .probeDataManagement: return "PDM"
    case .probeVehicleData: return "PVD"
    case .roadSideAlert: return "RSA"
    case .rtcmCorrections: return "RTCM"
    case .signalRequestMessage: return "SRM"
    case .signalStatusMessage: return "SSM"
    case .travelerInformation: return "TIM"
    case .personalSafetyMessage: return "PSM"
    case .roadSafetyMessage: return "RSM"
    case .roadWeatherMessage: return "RWM"
    case .probeDataConfig: return "PDC"
    case .probeDataReport: return "PDR"
    case .tollAdvertisement: return "TAM"
    case .tollUsage: return "TUM"
    case .tollUsageAck: return "TUMack"
    case .cooperativeControl: return "CCM"
    case .sensorDataSharing: return "SDSM"
    case .maneuverSharingAndCoordinating: return "MSCM"
    case .roadGeometryAndAttributes: return "RGA"
    case .personalSafetyMessage2: return "PSM2"
    case .trafficSignalPhaseAndTiming: return "TSPaT"
    case .signalControlAndPrioritizationRequest: return "SCPR"
    case .signalControlAndPrioritizationStatus: return "SCPS"
    case .roadUserChargingConfig: return "RUCCM"
    case .roadUserChargingReport: return "RUCRM"
    case .trafficLightStatus: return "TLSM"
    default: return "TEST"
    }
  }
}

public enum DecodedFrameBody: Sendable, Equatable {
  case bsm(BasicSafetyMessage)
  case psm(PersonalSafetyMessage)
  /// A known DSRC message this decoder does not decode; its body was skipped by length.
  case other(messageId: Int)
}

public struct DecodedFrame: Sendable, Equatable {
  public var messageId: Int
  /// The MessageFrame's own extension bit (its additions were skipped by length).
  public var frameHasExtension: Bool
  /// Octets from the start of the frame through its end; anything after is not ours.
  public var consumedBytes: Int
  /// Octets in the body's open type.
  public var bodyBytes: Int
  public var body: DecodedFrameBody

  /// The message-level extension bit of a BSM or PSM (false for other messages).
  public var messageHasExtension: Bool {
    switch body {
    case .bsm(let bsm): return bsm.hasExtension
    case .psm(let psm): return psm.hasExtension
    case .other: return false
    }
  }
}

public enum J2735 {
  /// Decodes one MessageFrame starting at the first byte of `bytes`. Trailing bytes after the
  /// frame are ignored and reported through `consumedBytes`.
  public static func decodeFrame(
    _ bytes: UnsafeRawBufferPointer
  ) -> Result<DecodedFrame, V2XDecodeError> {
    do throws(V2XDecodeError) {
      return .success(try readFrame(bytes))
    } catch {
      return .failure(error)
    }
  }

  static func readFrame(_ bytes: UnsafeRawBufferPointer) throws(V2XDecodeError) -> DecodedFrame {
    var reader = UPERReader(bytes)
    let frameHasExtension = try reader.extensionBit()
    let messageId = Int(try reader.bits(15))
    guard let known = KnownMessageID(rawValue: messageId) else {
      throw .unknownMessageId(messageId)
    }
    var bodyReader = try reader.openType()
    let bodyBytes = bodyReader.remainingBits >> 3
    let body: DecodedFrameBody
    switch known {
    case .basicSafetyMessage: body = .bsm(try BasicSafetyMessage.read(&bodyReader))
    case .personalSafetyMessage: body = .psm(try PersonalSafetyMessage.read(&bodyReader))
    default: body = .other(messageId: messageId)
    }
    if frameHasExtension { try reader.skipExtensionAdditions() }
    return DecodedFrame(
      messageId: messageId, frameHasExtension: frameHasExtension,
      consumedBytes: (reader.position + 7) >> 3, bodyBytes: bodyBytes, body: body)
  }
}
