// SI views of BSM and PSM wire values: degrees, metres, m/s, m/s², radians, seconds.
// Every "unavailable" sentinel becomes nil, so no caller can mistake one for a measurement.

/// Unit conversions and sentinel rules shared by BSM and PSM.
enum J2735Units {
  static let standardGravity = 9.80665

  static func latitude(_ raw: Int32) -> Double? {
    raw == 900_000_001 ? nil : Double(raw) * 1e-7
  }
  static func longitude(_ raw: Int32) -> Double? {
    raw == 1_800_000_001 ? nil : Double(raw) * 1e-7
  }
  static func elevation(_ raw: Int32) -> Double? {
    raw == -4096 ? nil : Double(raw) * 0.1
  }
  /// 0.05 m steps; 254 means "12.7 m or more" and is kept as 12.7.
  static func semiAxis(_ raw: UInt8) -> Double? {
    raw == 255 ? nil : Double(raw) * 0.05
  }
  static func orientation(_ raw: UInt16) -> Double? {
    raw == 65535 ? nil : Double(raw) * (360.0 / 65535.0)
  }
  static func speed(_ raw: UInt16) -> Double? {
    raw == 8191 ? nil : Double(raw) * 0.02
  }
  static func heading(_ raw: UInt16) -> Double? {
    raw == 28800 ? nil : Double(raw) * 0.0125
  }
  static func horizontalAcceleration(_ raw: Int16) -> Double? {
    raw == 2001 ? nil : Double(raw) * 0.01
  }
  static func verticalAcceleration(_ raw: Int8) -> Double? {
    raw == -127 ? nil : Double(raw) * 0.02 * standardGravity
  }
  static func radians(_ degrees: Double?) -> Double? {
    degrees.map { $0 * .pi / 180 }
  }
}

/// secMark as seconds within the UTC minute; nil when unavailable (65535) or out of range.
public struct SecondOfMinute: Sendable, Equatable {
  /// Seconds since the start of the minute (60.0–60.999 during a leap second).
  public var seconds: Double
  /// secMark 60000–60999: the leap second itself.
  public var isLeapSecond: Bool

  public init?(secMark: UInt16) {
    guard secMark < 61000 else { return nil }
    seconds = Double(secMark) / 1000
    isLeapSecond = secMark >= 60000
  }
}

/// Acceleration in SI: long/lat/vert in m/s², yaw rate in rad/s (no sentinel in the ASN.1).
public struct AccelerationSI: Sendable, Equatable {
  public var longitudinal: Double?
  public var lateral: Double?
  public var vertical: Double?
  public var yawRateDegreesPerSecond: Double
  public var yawRateRadiansPerSecond: Double { yawRateDegreesPerSecond * .pi / 180 }

  public init(_ raw: AccelerationSet4Way) {
    longitudinal = J2735Units.horizontalAcceleration(raw.long)
    lateral = J2735Units.horizontalAcceleration(raw.lat)
    vertical = J2735Units.verticalAcceleration(raw.vert)
    yawRateDegreesPerSecond = Double(raw.yaw) * 0.01
  }
}

/// PositionalAccuracy in SI: semi-axes in metres, orientation in degrees.
public struct AccuracySI: Sendable, Equatable {
  public var semiMajor: Double?
  public var semiMinor: Double?
  public var orientationDegrees: Double?

  public init(_ raw: PositionalAccuracy) {
    semiMajor = J2735Units.semiAxis(raw.semiMajor)
    semiMinor = J2735Units.semiAxis(raw.semiMinor)
    orientationDegrees = J2735Units.orientation(raw.orientation)
  }
}

/// A BSM core in SI units; nil wherever the sender said "unavailable".
public struct BSMSIView: Sendable, Equatable {
  public var time: SecondOfMinute?
  public var latitudeDegrees: Double?
  public var longitudeDegrees: Double?
  public var elevationMetres: Double?
  public var accuracy: AccuracySI
  /// TransmissionState index; nil when unavailable (7).
  public var transmission: UInt8?
  public var speedMetresPerSecond: Double?
  public var headingDegrees: Double?
  public var headingRadians: Double? { J2735Units.radians(headingDegrees) }
  /// Steering wheel angle, 1.5° steps; nil when unavailable (127).
  public var steeringAngleDegrees: Double?
  public var steeringAngleRadians: Double? { J2735Units.radians(steeringAngleDegrees) }
  public var acceleration: AccelerationSI
  /// Vehicle width and length; 0 means unknown.
  public var widthMetres: Double?
  public var lengthMetres: Double?

  public init(_ core: BSMCoreData) {
    time = SecondOfMinute(secMark: core.secMark)
    latitudeDegrees = J2735Units.latitude(core.lat)
    longitudeDegrees = J2735Units.longitude(core.long)
    elevationMetres = J2735Units.elevation(core.elev)
    accuracy = AccuracySI(core.accuracy)
    transmission = core.transmission == 7 ? nil : core.transmission
    speedMetresPerSecond = J2735Units.speed(core.speed)
    headingDegrees = J2735Units.heading(core.heading)
    steeringAngleDegrees = core.angle == 127 ? nil : Double(core.angle) * 1.5
    acceleration = AccelerationSI(core.accelSet)
    widthMetres = core.size.width == 0 ? nil : Double(core.size.width) * 0.01
    lengthMetres = core.size.length == 0 ? nil : Double(core.size.length) * 0.01
  }
}

/// A PSM in SI units; nil wherever the sender said "unavailable" or left a field out.
public struct PSMSIView: Sendable, Equatable {
  public var time: SecondOfMinute?
  public var latitudeDegrees: Double?
  public var longitudeDegrees: Double?
  public var elevationMetres: Double?
  public var accuracy: AccuracySI
  public var speedMetresPerSecond: Double?
  public var headingDegrees: Double?
  public var headingRadians: Double? { J2735Units.radians(headingDegrees) }
  public var acceleration: AccelerationSI?
  /// Radius of the predicted path in metres; nil when absent or straight (32767).
  public var pathRadiusMetres: Double?
  /// Whether the predicted path is straight (radiusOfCurve 32767).
  public var pathIsStraight: Bool
  /// Prediction confidence as a fraction 0...1 (0.5 % steps).
  public var pathConfidence: Double?
  public var clusterRadiusMetres: Double?
  /// Attachment radius, 10 cm steps.
  public var attachmentRadiusMetres: Double?

  public init(_ psm: PersonalSafetyMessage) {
    time = SecondOfMinute(secMark: psm.secMark)
    latitudeDegrees = J2735Units.latitude(psm.position.lat)
    longitudeDegrees = J2735Units.longitude(psm.position.long)
    elevationMetres = psm.position.elevation.flatMap(J2735Units.elevation)
    accuracy = AccuracySI(psm.accuracy)
    speedMetresPerSecond = J2735Units.speed(psm.speed)
    headingDegrees = J2735Units.heading(psm.heading)
    acceleration = psm.accelSet.map(AccelerationSI.init)
    let radius = psm.pathPrediction?.radiusOfCurve
    pathIsStraight = radius == 32767
    pathRadiusMetres = radius.flatMap { $0 == 32767 ? nil : Double($0) * 0.1 }
    pathConfidence = psm.pathPrediction.map { Double($0.confidence) * 0.005 }
    clusterRadiusMetres = psm.clusterRadius.map { Double($0) }
    attachmentRadiusMetres = psm.attachmentRadius.map { Double($0) * 0.1 }
  }
}
