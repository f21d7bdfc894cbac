/// The outside reference that supplies the hour for the sensor's microseconds-past-the-hour:
/// the latest GPRMC fix when the sensor relays one, carried forward by the capture (or receive)
/// clock; the capture clock alone otherwise.
public struct HourReference: Sendable {
  var fixTime: Int64?
  var fixCaptureTime: Int64 = 0

  public init() {}

  public mutating func observe(_ fix: GNSSFix, captureTime: Int64) {
    fixTime = fix.utcNanoseconds
    fixCaptureTime = captureTime
  }

  public func reference(captureTime: Int64) -> Int64 {
    // (the hour only: a host clock minutes off still gives the right hour)
    guard let fixTime else { return captureTime }
    return fixTime + (captureTime - fixCaptureTime)
  }

  public var usesGNSS: Bool { fixTime != nil }
}
