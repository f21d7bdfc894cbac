// CurveKeyError: why a CURVE key file or allow-list was refused, and where.

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
