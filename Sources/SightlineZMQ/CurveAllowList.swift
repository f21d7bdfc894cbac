// CurveAllowList: the CURVE public keys a server lets in.
//
// Allow-list files hold one Z85 public key per line; blank lines and `#` comments are ignored,
// and a key may be followed by a comment (no key starts with `#`: Z85 cannot begin a 32-bit group
// with it). Keys may be quoted.
// An allow-list may also be a directory: every `*.pub` file (and czmq's public `*.key`) in it.

import Foundation

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
