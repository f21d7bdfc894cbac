import Foundation
import SightlineProto
import SwiftProtobuf

/// The vehicle's localization: base_link's pose at one instant (`sightline.v1.LocalizationPose`,
/// Schemas/sightline/v1/pose.proto, which defines every field's unit and frame). Decoding checks
/// the protobuf only; whether the values make a pose is the ego ingest's judgement.
public struct LocalizationPose: Sendable, Equatable {
  /// UTC ns on the GNSS-disciplined clock: when base_link was here.
  public var timeNanoseconds: Int64 = 0
  public var latitudeDegrees: Double = 0
  public var longitudeDegrees: Double = 0
  /// Above the WGS-84 ellipsoid, metres.
  public var altitudeMeters: Double = 0
  /// ENU at the position, REP 103 vehicle axes; yaw counter-clockwise from east. Radians.
  public var roll: Double = 0
  public var pitch: Double = 0
  public var yaw: Double = 0
  /// 36 values row-major over (x, y, z, roll, pitch, yaw), or none.
  public var covariance: [Double] = []
  public var frameID = ""
  public var speedMetersPerSecond: Double?
  public var yawRateRadiansPerSecond: Double?

  public init() {}

  /// The protobuf body (no topic). Throws `.malformed` for bytes that are not the message.
  public static func decode(_ bytes: UnsafeRawBufferPointer) throws(SchemaError)
    -> LocalizationPose
  {
    do {
      return LocalizationPose(try Sightline_V1_LocalizationPose(serializedBytes: Array(bytes)))
    } catch {
      throw .malformed(String(describing: error))
    }
  }

  /// The message in protobuf's JSON mapping (field names as in pose.proto or lowerCamelCase;
  /// int64 as a number or a string), as recorded pose logs may carry it.
  public static func decode(json: String) throws(SchemaError) -> LocalizationPose {
    do {
      return LocalizationPose(try Sightline_V1_LocalizationPose(jsonString: json))
    } catch {
      throw .malformed(String(describing: error))
    }
  }

  /// The protobuf body, as a localization would publish it (after its topic).
  public func encode() -> [UInt8] {
    // Serialising a message built from plain values cannot fail.
    (try? proto.serializedBytes()) ?? []
  }

  private init(_ message: Sightline_V1_LocalizationPose) {
    timeNanoseconds = message.timeNs
    latitudeDegrees = message.latitudeDeg
    longitudeDegrees = message.longitudeDeg
    altitudeMeters = message.altitudeM
    roll = message.rollRad
    pitch = message.pitchRad
    yaw = message.yawRad
    covariance = message.covariance
    frameID = message.frameID
    speedMetersPerSecond = message.hasSpeedMps ? message.speedMps : nil
    yawRateRadiansPerSecond = message.hasYawRateRadS ? message.yawRateRadS : nil
  }

  private var proto: Sightline_V1_LocalizationPose {
    var message = Sightline_V1_LocalizationPose()
    message.timeNs = timeNanoseconds
    message.latitudeDeg = latitudeDegrees
    message.longitudeDeg = longitudeDegrees
    message.altitudeM = altitudeMeters
    message.rollRad = roll
    message.pitchRad = pitch
    message.yawRad = yaw
    message.covariance = covariance
    message.frameID = frameID
    if let speedMetersPerSecond { message.speedMps = speedMetersPerSecond }
    if let yawRateRadiansPerSecond { message.yawRateRadS = yawRateRadiansPerSecond }
    return message
  }
}
