import Foundation

/// The V2X recording format (docs/V2X-LOG.md): JSON Lines, one received message per line,
/// written by `sightline record v2x` and read by `sightline replay --v2x`:
///   {"t_ns":1453364282450000000,"source":"rsu-1","topic":"","format":"uper","payload_hex":"0014…"}
/// `payload_hex` is the payload exactly as it arrived, as hex; `format` says what those bytes
/// are (uper: the radio's bytes; hex or json: text). A person can write such a file by hand.
public struct V2XLogEntry: Codable, Sendable, Equatable {
  /// Receive time, UTC nanoseconds (CLOCK_REALTIME on arrival).
  public var t_ns: Int64
  public var source: String
  public var topic: String
  public var format: V2XPayloadFormat
  public var payload_hex: String

  public init(
    t_ns: Int64, source: String, topic: String, format: V2XPayloadFormat, payload: [UInt8]
  ) {
    self.t_ns = t_ns
    self.source = source
    self.topic = topic
    self.format = format
    payload_hex = payload.map { String(format: "%02x", $0) }.joined()
  }

  public var payload: [UInt8]? { Self.bytes(hex: payload_hex) }

  public static func bytes(hex: String) -> [UInt8]? {
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var out = [UInt8]()
    out.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
      guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else {
        return nil
      }
      out.append(high << 4 | low)
      index += 2
    }
    return out
  }

  static func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: c - 48
    case 65...70: c - 55
    case 97...102: c - 87
    default: nil
    }
  }
}
