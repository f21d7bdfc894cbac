// CURVE (ZeroMQ RFC 26) keys, key files, allow-lists, and the socket options that apply them.
//
// Key files are ZPL text (ZeroMQ RFC 4), the layout of czmq's zcert, so each side reads the
// other's files:
//
//     #   Sightline CURVE secret key. Keep this file private (mode 0600).
//     curve
//         public-key = "<40 Z85 characters>"
//         secret-key = "<40 Z85 characters>"
//
// `write(to: path)` writes that secret file with mode 0600 and `<path>.pub`, the same without
// `secret-key`: the file to hand to peers. Readers take `public-key` / `secret-key` from a
// `curve` section or from the top level (so `public-key = "..."` alone is a key file too),
// ignore other sections (czmq's `metadata`) and `#` comments. Values may be quoted ("..." or
// '...') or bare. A secret file that other users may access (any of mode 0007) is refused;
// group access is allowed, for service groups.
//
// Allow-list files hold one Z85 public key per line; blank lines and `#` comments are ignored,
// and a key may be followed by a comment (no key starts with `#`: Z85 cannot begin a 32-bit group
// with it). Keys may be quoted.
// An allow-list may also be a directory: every `*.pub` file (and czmq's public `*.key`) in it.

import CLibZMQ
import Foundation

/// A key file or allow-list problem, naming the file and line when there is one.
public struct CurveKeyError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Problem: Equatable, Sendable {
    case missing
    case unreadable(errno: Int32)
    case unwritable(errno: Int32)
    case alreadyExists
    case tooLarge(limit: Int)
    case syntax(String)
    case malformedKey(String)
    case missingKey(String)
    case duplicateKey(String)
    case keysDoNotMatch
    /// A secret key file that other users may read or write (its mode).
    case secretFileExposed(mode: UInt32)
    /// An allow-list with no keys: it would deny everyone, so it is surely a mistake.
    case noKeys
    /// libzmq was built without CURVE (libsodium).
    case curveUnavailable
  }

  public var path: String?
  public var line: Int?
  public var problem: Problem

  public init(path: String? = nil, line: Int? = nil, _ problem: Problem) {
    self.path = path
    self.line = line
    self.problem = problem
  }

  public var description: String {
    var location = ""
    if let path { location = line.map { "\(path):\($0): " } ?? "\(path): " }
    return location + problem.description
  }
}

extension CurveKeyError.Problem: CustomStringConvertible {
  public var description: String {
    switch self {
    case .missing: "no such file"
    case .unreadable(let code): "cannot read: \(String(cString: strerror(code)))"
    case .unwritable(let code): "cannot write: \(String(cString: strerror(code)))"
    case .alreadyExists: "already exists (not replacing a key)"
    case .tooLarge(let limit): "larger than \(limit) bytes: not a key file"
    case .syntax(let why): "syntax: \(why)"
    case .malformedKey(let why): "malformed CURVE key: \(why)"
    case .missingKey(let name): "no \(name)"
    case .duplicateKey(let name): "\(name) given twice"
    case .keysDoNotMatch: "public-key is not the public key of secret-key"
    case .secretFileExposed(let mode):
      "secret key file is accessible to other users (mode 0\(String(mode & 0o777, radix: 8)));"
        + " chmod 600 it"
    case .noKeys: "no public keys"
    case .curveUnavailable: "libzmq has no CURVE support (built without libsodium)"
    }
  }
}

/// 32 raw key bytes held inline, so that hashing and comparing never allocate.
struct CurveKeyBytes: Hashable, Sendable {
  private var words: (UInt64, UInt64, UInt64, UInt64)

  /// `bytes` must hold at least 32 bytes.
  init(_ bytes: UnsafeRawBufferPointer) {
    words = (
      bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
      bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
      bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
      bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
    )
  }

  func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E)
    -> R
  {
    var copy = words
    return try Swift.withUnsafeBytes(of: &copy) { (bytes) throws(E) -> R in try body(bytes) }
  }

  static func == (a: Self, b: Self) -> Bool {
    a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
      && a.words.3 == b.words.3
  }

  func hash(into hasher: inout Hasher) {
    hasher.combine(words.0)
    hasher.combine(words.1)
    hasher.combine(words.2)
    hasher.combine(words.3)
  }

  /// The 40-character Z85 text.
  var z85: String { withZ85 { String(decoding: $0, as: UTF8.self) } }

  /// Passes the Z85 text, encoded on the stack.
  func withZ85<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeBytes { bytes in
      withUnsafeTemporaryAllocation(of: CChar.self, capacity: 41) { text in
        let encoded =
          text.baseAddress.flatMap {
            zmq_z85_encode($0, bytes.bindMemory(to: UInt8.self).baseAddress, 32)
          } != nil
        return body(UnsafeRawBufferPointer(start: text.baseAddress, count: encoded ? 40 : 0))
      }
    }
  }

  static let z85Alphabet = Array(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

  /// Decodes a 40-character Z85 key (libzmq's decoder), explaining what is wrong otherwise.
  init(z85 text: some StringProtocol) throws(CurveKeyError) {
    let length = text.count
    guard length == 40 else {
      throw CurveKeyError(.malformedKey("\(length) characters, not 40"))
    }
    for (position, character) in text.enumerated() {
      guard let ascii = character.asciiValue, Self.z85Alphabet.contains(ascii) else {
        throw CurveKeyError(
          .malformedKey("character \(position + 1) (\(character.debugDescription)) is not Z85"))
      }
    }
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    let decoded = withUnsafeMutableBytes(of: &words) { bytes in
      zmq_z85_decode(bytes.bindMemory(to: UInt8.self).baseAddress, String(text)) != nil
    }
    self.words = words
    // Old decoders wrapped a 5-character group above 2^32 instead of failing; re-encoding finds it.
    guard decoded, z85 == String(text) else {
      throw CurveKeyError(.malformedKey("does not decode to 32 bytes"))
    }
  }
}

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

/// A CURVE secret key. Its description never shows the key, so it cannot leak into logs.
public struct CurveSecretKey: Hashable, Sendable, CustomStringConvertible {
  /// The 40-character Z85 text.
  public let z85: String
  let bytes: CurveKeyBytes

  public init(z85: String) throws(CurveKeyError) {
    bytes = try CurveKeyBytes(z85: z85)
    self.z85 = z85
  }

  public var description: String { "CurveSecretKey(redacted)" }
}

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

/// The public keys a CURVE server lets in: the ZAP handler's policy for one domain.
public struct CurveAllowList: Equatable, Sendable {
  public let keys: Set<CurvePublicKey>
  private let bytes: Set<CurveKeyBytes>

  public init(_ keys: some Sequence<CurvePublicKey>) {
    self.keys = Set(keys)
    bytes = Set(self.keys.lazy.map(\.bytes))
  }

  public var count: Int { keys.count }

  public func contains(_ key: CurvePublicKey) -> Bool { bytes.contains(key.bytes) }
  func contains(_ key: CurveKeyBytes) -> Bool { bytes.contains(key) }

  /// Reads an allow-list file, or every `*.pub` / `*.key` public key file in a directory.
  /// An empty list is an error.
  public static func load(path: String) throws(CurveKeyError) -> CurveAllowList {
    var status = stat()
    if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
      return try loadDirectory(path)
    }
    let text = try TextFile(path: path).text
    var keys = [CurvePublicKey]()
    for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      .enumerated()
    {
      let located = { (problem: CurveKeyError.Problem) in
        CurveKeyError(path: path, line: index + 1, problem)
      }
      let content = line.trimmingWhitespace()
      if content.isEmpty || content.first == "#" { continue }
      let value: Substring
      do throws(CurveKeyError) {
        value = try ZPL.value(content)
      } catch {
        throw located(error.problem)
      }
      do throws(CurveKeyError) {
        keys.append(try CurvePublicKey(z85: String(value)))
      } catch {
        throw located(error.problem)
      }
    }
    guard !keys.isEmpty else { throw CurveKeyError(path: path, .noKeys) }
    return CurveAllowList(keys)
  }

  private static func loadDirectory(_ path: String) throws(CurveKeyError) -> CurveAllowList {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: path)
    } catch {
      throw CurveKeyError(path: path, .unreadable(errno: EACCES))
    }
    var keys = [CurvePublicKey]()
    for name in names.sorted() where name.hasSuffix(".pub") || name.hasSuffix(".key") {
      keys.append(try CurvePublicKey.load(path: path + "/" + name))
    }
    guard !keys.isEmpty else { throw CurveKeyError(path: path, .noKeys) }
    return CurveAllowList(keys)
  }
}

/// ZMQ_ZAP_ENFORCE_DOMAIN: a draft option in zmq.h, but honoured by libzmq 4.3 builds
/// without the draft API too. With it, a CURVE server with no ZAP handler refuses clients.
let zapEnforceDomain: Int32 = 93

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
    try setOption(ZMQ_ZAP_DOMAIN, domain)
    do throws(ZMQError) {
      try setOption(zapEnforceDomain, 1)
    } catch {
      // EINVAL: a libzmq without the option; the socket's reference still keeps the handler up.
      guard error.code == EINVAL else { throw error }
    }
    try setOption(ZMQ_CURVE_SERVER, 1)
    try keyPair.secretKey.bytes.withUnsafeBytes { (bytes) throws(ZMQError) in
      try setOption(ZMQ_CURVE_SECRETKEY, bytes: bytes)
    }
    self.authenticator = authenticator
  }

  /// Makes this socket a CURVE server that encrypts but lets in any client that knows its public
  /// key (no allow-list). On a context with a `ZAPAuthenticator`, libzmq asks it anyway, under
  /// the empty domain, which it denies. Call before `bind`/`connect`.
  public func makeCurveServerAcceptingAnyClient(keyPair: CurveKeyPair) throws(ZMQError) {
    try requireUnattached("CURVE server")
    try setOption(ZMQ_CURVE_SERVER, 1)
    try keyPair.secretKey.bytes.withUnsafeBytes { (bytes) throws(ZMQError) in
      try setOption(ZMQ_CURVE_SECRETKEY, bytes: bytes)
    }
  }

  /// Makes this socket a CURVE client of the server whose public key is `serverPublicKey`.
  /// Call before `bind`/`connect`.
  public func makeCurveClient(keyPair: CurveKeyPair, serverPublicKey: CurvePublicKey)
    throws(ZMQError)
  {
    try requireUnattached("CURVE client")
    try serverPublicKey.bytes.withUnsafeBytes { (bytes) throws(ZMQError) in
      try setOption(ZMQ_CURVE_SERVERKEY, bytes: bytes)
    }
    try keyPair.publicKey.bytes.withUnsafeBytes { (bytes) throws(ZMQError) in
      try setOption(ZMQ_CURVE_PUBLICKEY, bytes: bytes)
    }
    try keyPair.secretKey.bytes.withUnsafeBytes { (bytes) throws(ZMQError) in
      try setOption(ZMQ_CURVE_SECRETKEY, bytes: bytes)
    }
  }

  /// Security options only apply to connections made after them.
  private func requireUnattached(_ operation: String) throws(ZMQError) {
    guard try lastEndpoint.isEmpty else {
      throw ZMQError(operation: "\(operation): configure before bind/connect", code: EINVAL)
    }
  }
}

// MARK: - Files

/// The keys of a key file, as text with their line numbers, and the file's mode.
private struct KeyFile {
  let path: String
  let mode: UInt32
  var publicKey: (text: Substring, line: Int)?
  var secretKey: (text: Substring, line: Int)?

  init(path: String) throws(CurveKeyError) {
    let file = try TextFile(path: path)
    self.path = path
    mode = file.mode
    // Section headers enclosing the current line: (indent, name).
    var sections = [(indent: Int, name: Substring)]()
    for (index, line) in file.text.split(
      omittingEmptySubsequences: false, whereSeparator: \.isNewline
    ).enumerated() {
      let located = { (problem: CurveKeyError.Problem) in
        CurveKeyError(path: path, line: index + 1, problem)
      }
      let indent = line.prefix { $0 == " " || $0 == "\t" }.count
      let content = line.dropFirst(indent).trimmingWhitespace()
      if content.isEmpty || content.first == "#" { continue }
      while let last = sections.last, last.indent >= indent { sections.removeLast() }
      let name = content.prefix(while: ZPL.isNameCharacter)
      let rest = content.dropFirst(name.count).drop { $0 == " " || $0 == "\t" }
      guard !name.isEmpty else { throw located(.syntax("expected a name")) }
      guard rest.first == "=" else {
        guard rest.isEmpty || rest.first == "#" else {
          throw located(.syntax("expected `name = value` or a section name"))
        }
        sections.append((indent, name))
        continue
      }
      let value: Substring
      do throws(CurveKeyError) {
        value = try ZPL.value(rest.dropFirst().trimmingWhitespace())
      } catch {
        throw located(error.problem)
      }
      guard sections.isEmpty || sections.map(\.name) == ["curve"] else { continue }
      switch name {
      case "public-key":
        guard publicKey == nil else { throw located(.duplicateKey("public-key")) }
        publicKey = (value, index + 1)
      case "secret-key":
        guard secretKey == nil else { throw located(.duplicateKey("secret-key")) }
        secretKey = (value, index + 1)
      default: continue
      }
    }
  }

  /// Makes a key from an entry, errors located at its line.
  func key<Key>(
    _ entry: (text: Substring, line: Int), _ make: (String) throws(CurveKeyError) -> Key
  ) throws(CurveKeyError) -> Key {
    do throws(CurveKeyError) {
      return try make(String(entry.text))
    } catch {
      throw CurveKeyError(path: path, line: entry.line, error.problem)
    }
  }
}

/// The bits of ZPL (ZeroMQ RFC 4) that key files use.
private enum ZPL {
  static func isNameCharacter(_ character: Character) -> Bool {
    guard let ascii = character.asciiValue else { return false }
    return character.isLetter || character.isNumber || "$-_@.&+/".utf8.contains(ascii)
  }

  /// A value, quoted ("..." or '...') or bare, optionally followed by a `#` comment.
  /// Errors carry no location: the caller adds it.
  static func value(_ text: Substring) throws(CurveKeyError) -> Substring {
    let value: Substring
    let rest: Substring
    if let quote = text.first, quote == "\"" || quote == "'" {
      let body = text.dropFirst()
      guard let end = body.firstIndex(of: quote) else {
        throw CurveKeyError(.syntax("no closing \(quote)"))
      }
      value = body[..<end]
      rest = body[body.index(after: end)...]
    } else {
      value = text.prefix { !$0.isWhitespace }
      rest = text.dropFirst(value.count)
    }
    let trailing = rest.trimmingWhitespace()
    guard trailing.isEmpty || trailing.first == "#" else {
      throw CurveKeyError(.syntax("unexpected \(trailing.debugDescription) after the value"))
    }
    return value
  }
}

/// A small text file read whole, with its permission bits.
private struct TextFile {
  static let limit = 1 << 20
  let text: String
  let mode: UInt32

  init(path: String) throws(CurveKeyError) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let code = errno
      throw CurveKeyError(path: path, code == ENOENT ? .missing : .unreadable(errno: code))
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw CurveKeyError(path: path, .unreadable(errno: errno))
    }
    mode = UInt32(status.st_mode)
    var bytes = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        let code = errno
        if code == EINTR { continue }
        throw CurveKeyError(path: path, .unreadable(errno: code))
      }
      if count == 0 { break }
      bytes += chunk[..<count]
      guard bytes.count <= Self.limit else {
        throw CurveKeyError(path: path, .tooLarge(limit: Self.limit))
      }
    }
    text = String(decoding: bytes, as: UTF8.self)
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

extension Substring {
  fileprivate func trimmingWhitespace() -> Substring {
    let start = drop { $0.isWhitespace }
    return start.dropLast(start.reversed().prefix { $0.isWhitespace }.count)
  }
}
