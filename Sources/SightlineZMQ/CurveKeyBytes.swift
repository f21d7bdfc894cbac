// CurveKeyBytes: the 32 bytes of a CURVE key held inline, with their Z85 text (ZeroMQ RFC 32).

import CLibZMQ

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
