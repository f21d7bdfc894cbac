// CurvePublicKey: a CURVE (ZeroMQ RFC 26) public key, from Z85 text or a key file (KeyFile).

/// A CURVE public key: safe to share, the entry in allow-lists and a client's server key.
public struct CurvePublicKey: Hashable, Sendable, CustomStringConvertible {
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

  public var description: String { z85 }

  /// The public key of a key file: a public file or a secret one (when it only holds
  /// `secret-key`, the public key is derived from it).
  public static func load(path: String) throws(CurveKeyError) -> CurvePublicKey {
    let file = try KeyFile(path: path)
    if let publicKey = file.publicKey {
      return try file.key(publicKey, CurvePublicKey.init(z85:))
    }
    if let secretKey = file.secretKey {
      let secretKey = try file.key(secretKey, CurveSecretKey.init(z85:))
      return try CurveKeyPair(secretKey: secretKey).publicKey
    }
    throw CurveKeyError(path: path, .missingKey("public-key"))
  }
}
