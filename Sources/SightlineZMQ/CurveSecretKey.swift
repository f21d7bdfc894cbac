// CurveSecretKey: a CURVE (ZeroMQ RFC 26) secret key, never shown in descriptions.

/// A CURVE secret key. Its description never shows the key, so it cannot leak into logs.
public struct CurveSecretKey: Hashable, Sendable, CustomStringConvertible {
  /// The 40-character Z85 text.
  public let z85: String
  let bytes: CurveKeyBytes

  public init(z85: String) throws(CurveKeyError) {
    bytes = try CurveKeyBytes(z85: z85)
    self.z85 = z85
  }

  init(bytes: CurveKeyBytes) {
    self.bytes = bytes
    z85 = bytes.z85
  }

  public var description: String { "CurveSecretKey(redacted)" }
}
