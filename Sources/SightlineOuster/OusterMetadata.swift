/// What an Ouster sensor's metadata JSON says about its packets and its geometry: the file the
/// sensor serves (`/api/v1/sensor/metadata`) and ouster-sdk writes beside its captures. Both
/// forms are read: the nested one of firmware 2.4 and later (`sensor_info`, `config_params`,
/// `lidar_data_format`, `beam_intrinsics`, `lidar_intrinsics`, …) and the older flat one, where
/// everything is at the top level and `data_format` holds the packet layout. A flat file with no
/// `udp_profile_lidar` predates the profiles: its packets are LEGACY.
public struct OusterMetadata: Sendable, Equatable {
  public enum Form: String, Sendable { case nested, flat }

  /// `column_window`: the measurement ids a frame holds, from `first` to `last` inclusive.
  public struct ColumnWindow: Sendable, Equatable {
    public var first: Int
    public var last: Int
    public init(first: Int, last: Int) {
      self.first = first
      self.last = last
    }
  }

  public var form: Form
  /// "OS-0-32-U1", "OS-1-128", …
  public var productLine: String
  /// `prod_sn`; 0 when the file has none.
  public var serialNumber: UInt64
  /// `initialization_id`; 0 when the file has none (packets are then not checked against it).
  public var initializationID: UInt32
  /// `build_rev`, "" when absent.
  public var firmware: String

  /// `lidar_mode`, e.g. "1024x10": columns per frame and frames per second.
  public var lidarMode: String
  public var columnsPerFrame: Int
  public var framesPerSecond: Int
  public var pixelsPerColumn: Int
  public var columnsPerPacket: Int
  /// First and last measurement id the sensor sends (inclusive; the window may wrap past 0).
  public var columnWindow: ColumnWindow
  /// Staggering of each row in the 2D image; XYZ does not use it.
  public var pixelShiftByRow: [Int]
  public var lidarProfile: OusterLidarProfile
  /// `udp_profile_imu`, "LEGACY" when absent.
  public var imuProfile: String
  /// `timestamp_mode`, nil when absent (the sensor's internal clock).
  public var timestampMode: String?
  public var lidarPort: UInt16
  public var imuPort: UInt16

  /// Degrees, one per row (row 0 the top beam).
  public var beamAltitudeAngles: [Double]
  public var beamAzimuthAngles: [Double]
  public var lidarOriginToBeamOriginMillimetres: Double
  /// Row-major 4×4 transforms; translations in millimetres.
  public var beamToLidarTransform: [Double]
  public var lidarToSensorTransform: [Double]

  /// Ouster's widest mode is 4096x5; the limit keeps a hostile file from sizing huge tables.
  public static let maximumColumns = 4096

  /// The ports a sensor sends to unless configured otherwise.
  public static let defaultLidarPort: UInt16 = 7502
  public static let defaultIMUPort: UInt16 = 7503

  /// The LIDAR frame's measurement ids the sensor sends, in the order it sends them.
  public var columnsInWindow: Int {
    let (first, last) = (columnWindow.first, columnWindow.last)
    return last >= first ? last - first + 1 : columnsPerFrame - first + last + 1
  }

  /// Points a frame can hold: every pixel's returns.
  public var returnsPerFrame: Int {
    pixelsPerColumn * columnsPerFrame * lidarProfile.returnsPerPixel
  }
}

// MARK: - The two forms

extension OusterMetadata {
  /// Reads the metadata JSON's bytes.
  public init(json bytes: [UInt8]) throws(OusterMetadataError) {
    let root = OusterJSONObject(try OusterJSON.parse(bytes))
    let nested = root.has("sensor_info") || root.has("beam_intrinsics")
    self = nested ? try Self.nested(root) : try Self.flat(root)
    try check()
  }

  /// The layout of the parts both forms share, read from wherever each form keeps it.
  private struct Parts {
    var sensor: OusterJSONObject
    var config: OusterJSONObject
    var format: OusterJSONObject?
    var beams: OusterJSONObject
    var lidar: OusterJSONObject
  }

  private static func nested(_ root: OusterJSONObject) throws(OusterMetadataError) -> Self {
    let parts = Parts(
      sensor: try root.object("sensor_info"),
      config: try root.object("config_params"),
      format: try root.object("lidar_data_format"), beams: try root.object("beam_intrinsics"),
      lidar: try root.object("lidar_intrinsics"))
    return try read(parts, form: .nested)
  }

  private static func flat(_ root: OusterJSONObject) throws(OusterMetadataError) -> Self {
    let format = root.has("data_format") ? try root.object("data_format") : nil
    let parts = Parts(sensor: root, config: root, format: format, beams: root, lidar: root)
    return try read(parts, form: .flat)
  }

  private static func read(_ parts: Parts, form: Form) throws(OusterMetadataError) -> Self {
    let mode = try parts.config.string("lidar_mode")
    let (columns, rate) = try Self.lidarMode(mode, key: parts.config.keyPath("lidar_mode"))
    let altitudes = try parts.beams.numbers("beam_altitude_angles")
    let origin = try parts.beams.number("lidar_origin_to_beam_origin_mm")
    let layout = try Layout(parts.format, columns: columns, beams: altitudes.count)
    return OusterMetadata(
      form: form, productLine: try parts.sensor.string("prod_line"),
      serialNumber: parts.sensor.has("prod_sn") ? try parts.sensor.serialNumber("prod_sn") : 0,
      initializationID: try Self.initID(parts.sensor), firmware: Self.firmware(parts.sensor),
      lidarMode: mode, columnsPerFrame: layout.columnsPerFrame, framesPerSecond: rate,
      pixelsPerColumn: layout.pixelsPerColumn, columnsPerPacket: layout.columnsPerPacket,
      columnWindow: layout.window, pixelShiftByRow: layout.pixelShift,
      lidarProfile: try Self.profile(parts),
      imuProfile: try Self.optionalString("udp_profile_imu", in: [parts.format, parts.config])
        ?? "LEGACY",
      timestampMode: try Self.optionalString("timestamp_mode", in: [parts.config]),
      lidarPort: try Self.port("udp_port_lidar", parts.config) ?? defaultLidarPort,
      imuPort: try Self.port("udp_port_imu", parts.config) ?? defaultIMUPort,
      beamAltitudeAngles: altitudes,
      beamAzimuthAngles: try parts.beams.numbers("beam_azimuth_angles"),
      lidarOriginToBeamOriginMillimetres: origin,
      beamToLidarTransform: parts.beams.has("beam_to_lidar_transform")
        ? try parts.beams.transform("beam_to_lidar_transform")
        : Self.beamToLidar(originMillimetres: origin),
      lidarToSensorTransform: try parts.lidar.transform("lidar_to_sensor_transform"))
  }

  /// Before `beam_to_lidar_transform` existed, the beam origin was this far along the lidar's
  /// x axis (ouster-sdk builds the same matrix).
  static func beamToLidar(originMillimetres: Double) -> [Double] {
    [1, 0, 0, originMillimetres, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
  }

  /// "1024x10" → (1024, 10).
  static func lidarMode(_ mode: String, key: String) throws(OusterMetadataError) -> (Int, Int) {
    let parts = mode.split(separator: "x")
    guard parts.count == 2, let columns = Int(parts[0]), let rate = Int(parts[1]),
      (1...maximumColumns).contains(columns), (1...100).contains(rate)
    else { throw .invalidValue(key: key, reason: "\"\(mode)\" is not COLUMNSxRATE") }
    return (columns, rate)
  }

  private static func initID(_ sensor: OusterJSONObject) throws(OusterMetadataError) -> UInt32 {
    guard sensor.has("initialization_id") else { return 0 }
    return UInt32(try sensor.integer("initialization_id", in: 0...0xFF_FFFF))
  }

  private static func firmware(_ sensor: OusterJSONObject) -> String {
    (try? sensor.string("build_rev")) ?? ""
  }

  private static func port(_ key: String, _ config: OusterJSONObject)
    throws(OusterMetadataError) -> UInt16?
  {
    guard config.has(key) else { return nil }
    let port = try config.integer(key, in: 0...65535)
    return port == 0 ? nil : UInt16(port)
  }

  private static func optionalString(_ key: String, in sources: [OusterJSONObject?])
    throws(OusterMetadataError) -> String?
  {
    for case let source? in sources where source.has(key) { return try source.string(key) }
    return nil
  }

  /// The lidar profile, LEGACY when no part names one; the data format and the configuration
  /// must agree when both do.
  private static func profile(_ parts: Parts) throws(OusterMetadataError) -> OusterLidarProfile {
    let key = "udp_profile_lidar"
    let named = [parts.format, parts.config].compactMap { source in
      source?.has(key) == true ? source : nil
    }
    var profiles: [(OusterLidarProfile, String)] = []
    for source in named {
      let text = try source.string(key)
      guard let profile = OusterLidarProfile(rawValue: text) else {
        let known = OusterLidarProfile.allCases.map(\.rawValue).joined(separator: ", ")
        throw .invalidValue(
          key: source.keyPath(key), reason: "unknown UDP profile \"\(text)\" (known: \(known))")
      }
      profiles.append((profile, source.keyPath(key)))
    }
    if let first = profiles.first, let other = profiles.first(where: { $0.0 != first.0 }) {
      throw .mismatch("\(first.1) is \(first.0) but \(other.1) is \(other.0)")
    }
    return profiles.first?.0 ?? .legacy
  }
}

// MARK: - Data format

extension OusterMetadata {
  /// `data_format` / `lidar_data_format`, with the defaults of metadata that has none.
  private struct Layout {
    var columnsPerFrame: Int
    var pixelsPerColumn: Int
    var columnsPerPacket: Int
    var window: ColumnWindow
    var pixelShift: [Int]

    init(_ format: OusterJSONObject?, columns: Int, beams: Int) throws(OusterMetadataError) {
      guard let format else {
        self.init(
          columns: columns, pixels: beams, perPacket: 16,
          window: ColumnWindow(first: 0, last: columns - 1), shift: [])
        return
      }
      let columnsPerFrame = try format.integer("columns_per_frame", in: 1...maximumColumns)
      let window = try format.integers("column_window")
      guard window.count == 2, window.allSatisfy({ (0..<columnsPerFrame).contains($0) }) else {
        throw .invalidValue(
          key: format.keyPath("column_window"),
          reason: "needs [first, last] within 0..<\(columnsPerFrame), not \(window)")
      }
      self.init(
        columns: columnsPerFrame, pixels: try format.integer("pixels_per_column", in: 1...256),
        perPacket: try format.integer("columns_per_packet", in: 1...256),
        window: ColumnWindow(first: window[0], last: window[1]),
        shift: format.has("pixel_shift_by_row") ? try format.integers("pixel_shift_by_row") : [])
    }

    init(columns: Int, pixels: Int, perPacket: Int, window: ColumnWindow, shift: [Int]) {
      columnsPerFrame = columns
      pixelsPerColumn = pixels
      columnsPerPacket = perPacket
      self.window = window
      pixelShift = shift
    }
  }

  /// The checks that span several keys.
  private func check() throws(OusterMetadataError) {
    let mode = lidarMode.split(separator: "x").first.flatMap { Int($0) } ?? columnsPerFrame
    guard mode == columnsPerFrame else {
      throw .mismatch(
        "lidar_mode \(lidarMode) has \(mode) columns but columns_per_frame is \(columnsPerFrame)")
    }
    for (key, count) in [
      ("beam_altitude_angles", beamAltitudeAngles.count),
      ("beam_azimuth_angles", beamAzimuthAngles.count),
    ] where count != pixelsPerColumn {
      throw .mismatch("\(key) has \(count) angles but pixels_per_column is \(pixelsPerColumn)")
    }
    if !pixelShiftByRow.isEmpty && pixelShiftByRow.count != pixelsPerColumn {
      throw .mismatch(
        "pixel_shift_by_row has \(pixelShiftByRow.count) rows but pixels_per_column is \(pixelsPerColumn)"
      )
    }
    let size = OusterPacketFormat(self).lidarPacketSize
    guard size <= OusterPacketFormat.maximumPacketSize else {
      throw .mismatch("a \(lidarProfile) packet of this layout would be \(size) bytes, over 65535")
    }
  }
}
