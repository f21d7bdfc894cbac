// TextFile: a small text file read whole (a key file or allow-list), with its permission bits.

import Foundation

/// A small text file read whole, with its permission bits.
struct TextFile {
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
