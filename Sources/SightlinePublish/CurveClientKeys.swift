import SightlineZMQ

/// A CURVE client's keys: its own pair, and the public key of the server it connects to.
public struct CurveClientKeys: Sendable {
  public var keyPair: CurveKeyPair
  public var serverPublicKey: CurvePublicKey
  public init(keyPair: CurveKeyPair, serverPublicKey: CurvePublicKey) {
    self.keyPair = keyPair
    self.serverPublicKey = serverPublicKey
  }
}
