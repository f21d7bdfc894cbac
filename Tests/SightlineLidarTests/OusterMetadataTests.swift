import Foundation
import SightlineLidar
import SightlineOuster
import Testing

/// A shared metadata file as a mutable JSON object, to break on purpose.
func sharedMetadataJSON(_ name: String) throws -> [String: Any] {
  let data = try Data(contentsOf: sharedLidar.appendingPathComponent("\(name).json"))
  return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func parseMetadata(_ object: [String: Any]) throws(OusterMetadataError) -> OusterMetadata {
  let data = try! JSONSerialization.data(withJSONObject: object)
  return try OusterMetadata(json: [UInt8](data))
}

/// The error parsing `object` throws, or nil.
func metadataError(_ object: [String: Any]) -> OusterMetadataError? {
  do {
    _ = try parseMetadata(object)
    return nil
  } catch {
    return error
  }
}

func metadataError(bytes: [UInt8]) -> OusterMetadataError? {
  do {
    _ = try OusterMetadata(json: bytes)
    return nil
  } catch {
    return error
  }
}

/// Sets `value` at a dotted path ("beam_intrinsics.beam_altitude_angles"); nil removes it.
func setting(_ object: [String: Any], _ path: String, _ value: Any?) -> [String: Any] {
  var object = object
  let keys = path.split(separator: ".").map(String.init)
  if keys.count == 1 {
    object[keys[0]] = value
  } else {
    let inner = object[keys[0]] as? [String: Any] ?? [:]
    object[keys[0]] = setting(inner, keys.dropFirst().joined(separator: "."), value)
  }
  return object
}

@Suite struct OusterMetadataTests {
  @Test func nestedFormOfTheFuSaSensor() throws {
    let metadata = try parseMetadata(try sharedMetadataJSON("ouster-os1-128-fusa-dual-partial"))
    #expect(metadata.form == .nested)
    #expect(metadata.productLine == "OS-1-128" && metadata.serialNumber == 122_246_000_293)
    #expect(metadata.initializationID == 390076 && metadata.firmware == "767798045")
    #expect(metadata.lidarProfile == .fusaDual && metadata.imuProfile == "LEGACY")
    #expect(metadata.lidarMode == "1024x10" && metadata.framesPerSecond == 10)
    #expect(metadata.columnsPerFrame == 1024 && metadata.pixelsPerColumn == 128)
    #expect(metadata.columnsPerPacket == 16)
    #expect(metadata.columnWindow == .init(first: 0, last: 1023))
    #expect(metadata.pixelShiftByRow.prefix(4) == [12, 4, -4, -12])
    #expect(metadata.timestampMode == "TIME_FROM_INTERNAL_OSC")
    #expect(metadata.lidarPort == 7502 && metadata.imuPort == 7503)
    #expect(metadata.beamAltitudeAngles.count == 128 && metadata.beamAltitudeAngles[0] == 20.47)
    #expect(metadata.lidarOriginToBeamOriginMillimetres == 16.721)
    #expect(metadata.beamToLidarTransform[3] == 16.721)
    #expect(
      metadata.lidarToSensorTransform == [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 38.195, 0, 0, 0, 1])
    #expect(OusterPacketFormat(metadata).lidarPacketSize == 16640)
  }

  @Test func flatFormWithAProfile() throws {
    let metadata = try parseMetadata(try sharedMetadataJSON("ouster-os0-32-dual"))
    #expect(metadata.form == .flat && metadata.lidarProfile == .dual)
    #expect(metadata.productLine == "OS-0-32-U1" && metadata.serialNumber == 992_137_000_142)
    #expect(metadata.initializationID == 9_599_938 && metadata.timestampMode == nil)
    #expect(metadata.lidarOriginToBeamOriginMillimetres == 27.67)
    // No beam_to_lidar_transform: built from the beam origin, as ouster-sdk does.
    #expect(metadata.beamToLidarTransform == [1, 0, 0, 27.67, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
    #expect(OusterPacketFormat(metadata).lidarPacketSize == 8448)
  }

  @Test func flatFormBeforeProfilesIsLegacy() throws {
    let metadata = try parseMetadata(try sharedMetadataJSON("ouster-os1-32-legacy"))
    #expect(metadata.form == .flat && metadata.lidarProfile == .legacy)
    #expect(metadata.initializationID == 0 && metadata.serialNumber == 992_101_000_280)
    // No ports in the file: the sensor's defaults.
    #expect(metadata.lidarPort == 7502 && metadata.imuPort == 7503)
    #expect(OusterPacketFormat(metadata).lidarPacketSize == 6464)
  }

  @Test func flatFormWithoutDataFormatTakesTheDefaults() throws {
    let json = setting(try sharedMetadataJSON("ouster-os1-32-legacy"), "data_format", nil)
    let metadata = try parseMetadata(json)
    #expect(metadata.pixelsPerColumn == 32 && metadata.columnsPerPacket == 16)
    #expect(
      metadata.columnsPerFrame == 1024 && metadata.columnWindow == .init(first: 0, last: 1023))
    #expect(metadata.lidarProfile == .legacy)
  }

  @Test func missingKeysAreNamed() throws {
    let nested = try sharedMetadataJSON("ouster-os1-128-fusa-dual-partial")
    let flat = try sharedMetadataJSON("ouster-os0-32-dual")
    let cases: [([String: Any], String)] = [
      (
        setting(nested, "beam_intrinsics.beam_altitude_angles", nil),
        "beam_intrinsics.beam_altitude_angles"
      ),
      (setting(nested, "config_params.lidar_mode", nil), "config_params.lidar_mode"),
      (setting(nested, "lidar_intrinsics", nil), "lidar_intrinsics"),
      (
        setting(nested, "lidar_data_format.pixels_per_column", nil),
        "lidar_data_format.pixels_per_column"
      ),
      (setting(nested, "sensor_info.prod_line", nil), "sensor_info.prod_line"),
      (setting(flat, "lidar_to_sensor_transform", nil), "lidar_to_sensor_transform"),
      (setting(flat, "lidar_mode", nil), "lidar_mode"),
      (setting(flat, "beam_azimuth_angles", nil), "beam_azimuth_angles"),
      (setting(flat, "data_format.column_window", nil), "data_format.column_window"),
    ]
    for (json, key) in cases {
      #expect(metadataError(json) == .missingKey(key))
    }
  }

  @Test func wrongTypesAndValuesAreNamed() throws {
    let nested = try sharedMetadataJSON("ouster-os1-128-fusa-dual-partial")
    #expect(
      metadataError(setting(nested, "config_params.lidar_mode", 1024))
        == .wrongType(key: "config_params.lidar_mode", expected: "a string"))
    #expect(
      metadataError(setting(nested, "beam_intrinsics.beam_altitude_angles", ["up"]))
        == .wrongType(key: "beam_intrinsics.beam_altitude_angles", expected: "an array of numbers"))
    #expect(
      metadataError(setting(nested, "lidar_data_format.columns_per_packet", 16.5))
        == .wrongType(key: "lidar_data_format.columns_per_packet", expected: "an integer"))
    #expect(
      metadataError(setting(nested, "config_params.lidar_mode", "fast"))
        == .invalidValue(key: "config_params.lidar_mode", reason: "\"fast\" is not COLUMNSxRATE"))
    guard
      case .invalidValue(let key, _)? = metadataError(
        setting(nested, "lidar_intrinsics.lidar_to_sensor_transform", [1, 0, 0]))
    else {
      Issue.record("a 3-number transform was accepted")
      return
    }
    #expect(key == "lidar_intrinsics.lidar_to_sensor_transform")
  }

  @Test func unknownProfileIsRefused() throws {
    let flat = setting(
      try sharedMetadataJSON("ouster-os0-32-dual"), "data_format.udp_profile_lidar", "RNG99")
    guard case .invalidValue(let key, let reason)? = metadataError(flat) else {
      Issue.record("RNG99 was accepted")
      return
    }
    #expect(key == "data_format.udp_profile_lidar" && reason.contains("RNG99"))
  }

  @Test func contradictionsAreMismatches() throws {
    let nested = try sharedMetadataJSON("ouster-os1-128-fusa-dual-partial")
    let profiles = setting(nested, "config_params.udp_profile_lidar", "RNG19_RFL8_SIG16_NIR16")
    #expect(
      metadataError(profiles)
        == .mismatch(
          "lidar_data_format.udp_profile_lidar is FUSA_RNG15_RFL8_NIR8_DUAL but "
            + "config_params.udp_profile_lidar is RNG19_RFL8_SIG16_NIR16"))
    let mode = setting(nested, "config_params.lidar_mode", "2048x10")
    #expect(
      metadataError(mode)
        == .mismatch("lidar_mode 2048x10 has 2048 columns but columns_per_frame is 1024"))
    let beams = setting(nested, "beam_intrinsics.beam_azimuth_angles", [0.0, 1.0])
    #expect(
      metadataError(beams)
        == .mismatch("beam_azimuth_angles has 2 angles but pixels_per_column is 128"))
  }

  @Test func notJSONIsRefused() {
    for bytes in [Array("".utf8), Array("[1, 2]".utf8), Array("{\"a\": ".utf8), [0xFF, 0xFE]] {
      guard case .notJSON? = metadataError(bytes: bytes) else {
        Issue.record("\(bytes) was not refused as JSON")
        continue
      }
    }
  }

  @Test func errorsDescribeThemselves() {
    #expect(
      OusterMetadataError.missingKey("beam_intrinsics").description
        == "Ouster metadata: missing key \"beam_intrinsics\"")
  }
}
