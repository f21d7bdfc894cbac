// ZMQSocket+Curve: making a socket a CURVE (ZeroMQ RFC 26) server or client. Security options
// only apply to connections made after them, so each of these refuses a bound or connected socket.

import Foundation

extension ZMQSocket {
  /// Makes this socket a CURVE server whose clients `authenticator` checks against its
  /// allow-list for `domain`. Call before `bind`/`connect`. The socket keeps the authenticator
  /// running for as long as it lives, and sets ZMQ_ZAP_ENFORCE_DOMAIN so that, should the
  /// authenticator stop anyway, new clients are refused rather than let in unchecked.
  public func makeCurveServer(
    keyPair: CurveKeyPair, authenticator: ZAPAuthenticator, domain: String
  ) throws(ZMQError) {
    guard authenticator.context === context else {
      throw ZMQError(operation: "CURVE server: authenticator on another context", code: EINVAL)
    }
    guard authenticator.domains.contains(domain) else {
      throw ZMQError(
        operation: "CURVE server: the authenticator has no allow-list for ZAP domain \"\(domain)\"",
        code: EINVAL)
    }
    guard authenticator.isRunning else {
      throw ZMQError(operation: "CURVE server: the authenticator has stopped", code: EINVAL)
    }
    try requireUnattached("CURVE server")
    try setOption(.zapDomain, domain)
    do throws(ZMQError) {
      try setOption(.zapEnforceDomain, true)
    } catch {
      // EINVAL: a libzmq without the option; the socket's reference still keeps the handler up.
      guard error.code == EINVAL else { throw error }
    }
    try setOption(.curveServer, true)
    try setOption(.curveSecretKey, keyPair.secretKey)
    self.authenticator = authenticator
  }

  /// Makes this socket a CURVE server that encrypts but lets in any client that knows its public
  /// key (no allow-list). On a context with a `ZAPAuthenticator`, libzmq asks it anyway, under
  /// the empty domain, which it denies. Call before `bind`/`connect`.
  public func makeCurveServerAcceptingAnyClient(keyPair: CurveKeyPair) throws(ZMQError) {
    try requireUnattached("CURVE server")
    try setOption(.curveServer, true)
    try setOption(.curveSecretKey, keyPair.secretKey)
  }

  /// Makes this socket a CURVE client of the server whose public key is `serverPublicKey`.
  /// Call before `bind`/`connect`.
  public func makeCurveClient(keyPair: CurveKeyPair, serverPublicKey: CurvePublicKey)
    throws(ZMQError)
  {
    try requireUnattached("CURVE client")
    try setOption(.curveServerKey, serverPublicKey)
    try setOption(.curvePublicKey, keyPair.publicKey)
    try setOption(.curveSecretKey, keyPair.secretKey)
  }

  /// Security options only apply to connections made after them.
  private func requireUnattached(_ operation: String) throws(ZMQError) {
    guard try lastEndpoint.isEmpty else {
      throw ZMQError(operation: "\(operation): configure before bind/connect", code: EINVAL)
    }
  }
}
