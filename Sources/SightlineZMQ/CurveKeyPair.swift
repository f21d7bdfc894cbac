// CurveKeyPair: a CURVE identity: generated, derived from a secret key, read from a secret key
// file (KeyFile describes the format), and written as a secret file and a public one.

import CLibZMQ
import Foundation

/// A CURVE key pair: a server's identity, or a client's.
public struct CurveKeyPair: Hashable, Sendable {
  public let publicKey: CurvePublicKey
  public let secretKey: CurveSecretKey

  /// Derives the public key (`zmq_curve_public`).
  public init(secretKey: CurveSecretKey) throws(CurveKeyError) {
    let derived = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 41) { text in
      guard let base = text.baseAddress, zmq_curve_public(base, secretKey.z85) == 0 else {
        return String?.none
      }
      return String(cString: base)
    }
    guard let derived else { throw CurveKeyError(.curveUnavailable) }
    publicKey = try CurvePublicKey(z85: derived)
    self.secretKey = secretKey
  }

  /// Checks that `publicKey` belongs to `secretKey`.
  public init(publicKey: CurvePublicKey, secretKey: CurveSecretKey) throws(CurveKeyError) {
    try self.init(secretKey: secretKey)
    guard self.publicKey == publicKey else { throw CurveKeyError(.keysDoNotMatch) }
  }

  /// A new random key pair (`zmq_curve_keypair`).
  public static func generate() throws(CurveKeyError) -> CurveKeyPair {
    var publicText = [UInt8](repeating: 0, count: 41)
    var secretText = [UInt8](repeating: 0, count: 41)
    let result = publicText.withUnsafeMutableBytes { publicBytes in
      secretText.withUnsafeMutableBytes { secretBytes in
        zmq_curve_keypair(
          publicBytes.bindMemory(to: CChar.self).baseAddress,
          secretBytes.bindMemory(to: CChar.self).baseAddress)
      }
    }
    guard result == 0 else { throw CurveKeyError(.curveUnavailable) }
    let secretKey = try CurveSecretKey(z85: String(decoding: secretText.prefix(40), as: UTF8.self))
    let publicKey = try CurvePublicKey(z85: String(decoding: publicText.prefix(40), as: UTF8.self))
    return try CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
  }

  /// Reads a secret key file (ours or czmq's `*_secret`). `public-key`, when present, must
  /// match `secret-key`. Refuses a file other users may access.
  public static func load(path: String) throws(CurveKeyError) -> CurveKeyPair {
    let file = try KeyFile(path: path)
    guard file.mode & 0o007 == 0 else {
      throw CurveKeyError(path: path, .secretFileExposed(mode: file.mode))
    }
    guard let secretText = file.secretKey else {
      throw CurveKeyError(path: path, .missingKey("secret-key"))
    }
    let secretKey = try file.key(secretText, CurveSecretKey.init(z85:))
    do throws(CurveKeyError) {
      guard let publicText = file.publicKey else { return try CurveKeyPair(secretKey: secretKey) }
      let publicKey = try file.key(publicText, CurvePublicKey.init(z85:))
      return try CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
    } catch {
      throw CurveKeyError(path: path, line: error.line, error.problem)
    }
  }

  /// Writes the secret key file at `path` (mode 0600) and the public one at `<path>.pub`.
  /// Refuses to replace existing files unless `replacing`.
  public func write(to path: String, replacing: Bool = false) throws(CurveKeyError) {
    let note = "#   Give \(Self.fileName(path)).pub, not this file, to peers.\n"
    let secretText =
      "#   Sightline CURVE secret key (ZPL, as czmq's zcert). Keep it private: mode 0600.\n"
      + note + "\ncurve\n    public-key = \"\(publicKey.z85)\"\n"
      + "    secret-key = \"\(secretKey.z85)\"\n"
    let publicText =
      "#   Sightline CURVE public key (ZPL, as czmq's zcert). For peers' allow-lists and for\n"
      + "#   clients of this server.\n\ncurve\n    public-key = \"\(publicKey.z85)\"\n"
    let publicPath = path + ".pub"
    let secret = try OpenedFile(creating: path, mode: 0o600, replacing: replacing)
    do throws(CurveKeyError) {
      let publicFile = try OpenedFile(creating: publicPath, mode: 0o644, replacing: replacing)
      try secret.writeAll(secretText)
      try publicFile.writeAll(publicText)
    } catch {
      // No half-written key pair: a secret without its public file, or an empty secret.
      unlink(path)
      throw error
    }
  }

  private static func fileName(_ path: String) -> Substring {
    path.split(separator: "/").last ?? Substring(path)
  }
}

/// A file created for writing, closed on deinit.
private final class OpenedFile {
  let path: String
  let descriptor: Int32

  /// `mode` is applied even when an existing file is replaced.
  init(creating path: String, mode: mode_t, replacing: Bool) throws(CurveKeyError) {
    let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (replacing ? O_TRUNC : O_EXCL)
    let descriptor = open(path, flags, mode)
    guard descriptor >= 0 else {
      let code = errno
      throw CurveKeyError(path: path, code == EEXIST ? .alreadyExists : .unwritable(errno: code))
    }
    self.path = path
    self.descriptor = descriptor
    guard fchmod(descriptor, mode) == 0 else {
      throw CurveKeyError(path: path, .unwritable(errno: errno))
    }
  }

  deinit { close(descriptor) }

  func writeAll(_ text: String) throws(CurveKeyError) {
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
      let count = bytes[written...].withUnsafeBytes {
        write(descriptor, $0.baseAddress, $0.count)
      }
      if count < 0 {
        let code = errno
        if code == EINTR { continue }
        throw CurveKeyError(path: path, .unwritable(errno: code))
      }
      written += count
    }
  }
}
