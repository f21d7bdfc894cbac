import SightlinePipeline
import SightlineZMQ

/// The CURVE side of a run's sockets, from config: this runtime's key pair, the allow-lists of
/// the sockets that bind (the grid publisher, V2X sources with `bind = true`), one ZAP
/// authenticator for all of them on the run's context, and the server keys of the V2X sources
/// we connect to. Everything is loaded and checked before any socket opens, so a bad key file
/// stops the run at start with the file named.
public final class SocketSecurity {
  public let keyPair: CurveKeyPair
  /// Authenticates the binding sockets' peers; nil when none binds with CURVE.
  public let authenticator: ZAPAuthenticator?
  private let allowLists: [String: CurveAllowList]
  private let serverKeys: [String: CurvePublicKey]

  /// ZAP domains: one per binding socket.
  public static let publishDomain = "publish"
  public static func v2xDomain(_ source: SightlineConfig.V2XSource) -> String {
    "v2x:" + source.name
  }

  /// nil when the config asks for no CURVE at all.
  public static func make(config: SightlineConfig, context: ZMQContext) throws -> SocketSecurity? {
    guard let path = config.security.curveSecretKeyPath else { return nil }
    return try SocketSecurity(config: config, keyPath: path, context: context)
  }

  init(config: SightlineConfig, keyPath: String, context: ZMQContext) throws {
    keyPair = try CurveKeyPair.load(path: keyPath)
    var allowLists: [String: CurveAllowList] = [:]
    var serverKeys: [String: CurvePublicKey] = [:]
    if let path = config.publish.curveAllowPath {
      allowLists[Self.publishDomain] = try CurveAllowList.load(path: path)
    }
    for source in config.v2x.sources {
      if let path = source.curveAllowPath {
        allowLists[Self.v2xDomain(source)] = try CurveAllowList.load(path: path)
      }
      if let path = source.curveServerKeyPath {
        serverKeys[source.name] = try CurvePublicKey.load(path: path)
      }
    }
    self.allowLists = allowLists
    self.serverKeys = serverKeys
    authenticator =
      allowLists.isEmpty ? nil : try ZAPAuthenticator(context: context, allowLists: allowLists)
  }

  /// Makes the grid publisher a CURVE server that only listed subscribers reach (when
  /// `publish.curve_allow` is set). Call before it binds.
  package func secure(publisher socket: ZMQSocket) throws {
    guard let authenticator, allowLists[Self.publishDomain] != nil else { return }
    try socket.makeCurveServer(
      keyPair: keyPair, authenticator: authenticator, domain: Self.publishDomain)
  }

  /// A V2X source's socket: a CURVE server with its allow-list when it binds, a CURVE client
  /// of the publisher's key when it connects; unchanged when the source has no CURVE setting.
  package func secure(source: SightlineConfig.V2XSource, socket: ZMQSocket) throws {
    if let authenticator, allowLists[Self.v2xDomain(source)] != nil {
      try socket.makeCurveServer(
        keyPair: keyPair, authenticator: authenticator, domain: Self.v2xDomain(source))
    } else if let serverKey = serverKeys[source.name] {
      try socket.makeCurveClient(keyPair: keyPair, serverPublicKey: serverKey)
    }
  }

  /// Handshakes refused so far (every retry of a refused peer counts).
  public var denied: Int { authenticator?.counts.denied ?? 0 }

  /// Stops the authenticator (after the sockets it serves have closed).
  public func stop() { authenticator?.stop() }
}
