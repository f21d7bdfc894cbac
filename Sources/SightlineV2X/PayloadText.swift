// SightlineV2X payload text: middleware hands V2X payloads over as hex text, often inside JSON
// (jpo-ode: {"payload": {"data": {"bytes": "0014..."}}}; V2X Hub / TMX routeable messages:
// {"header": {..., "encoding": "asn.1-uper/hexstring"}, "payload": "0014..."}). Both readers
// work in place on the caller's bytes: no Foundation, no allocation, nil on anything malformed.

public enum PayloadText {
  /// Decodes hex text into `buffer` and returns the byte count. Whitespace is ignored anywhere,
  /// digits may be upper or lower case, and each whitespace-separated group may start with
  /// "0x". Nil on an odd digit count, a non-hex character, or more bytes than `buffer` holds.
  public static func bytes(
    fromHex text: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer
  )
    -> Int?
  {
    var count = 0
    var highNibble: UInt8? = nil
    var atGroupStart = true
    var index = 0
    while index < text.count {
      let character = text[index]
      if isWhitespace(character) {
        atGroupStart = true
        index += 1
        continue
      }
      if atGroupStart, highNibble == nil, character == UInt8(ascii: "0"), index + 1 < text.count,
        text[index + 1] | 0x20 == UInt8(ascii: "x")
      {
        atGroupStart = false
        index += 2
        continue
      }
      atGroupStart = false
      guard let nibble = hexValue(character) else { return nil }
      if let high = highNibble {
        guard count < buffer.count else { return nil }
        buffer[count] = high << 4 | nibble
        count += 1
        highNibble = nil
      } else {
        highNibble = nibble
      }
      index += 1
    }
    return highNibble == nil ? count : nil
  }

  /// Finds the hex payload string in ODE or V2X Hub JSON and returns the range of its digits
  /// (quotes excluded) in `text`: jpo-ode's `payload.data.bytes`, else V2X Hub's top-level
  /// `payload` when it is a hex string. The whole document is checked for balanced brackets,
  /// terminated strings and nothing after the root; it is not a full JSON grammar check.
  public static func hexPayload(fromJSON text: UnsafeRawBufferPointer) -> Range<Int>? {
    enum Key { case none, payload, data, bytes, other }
    var index = skipWhitespace(text, from: 0)
    // A UTF-8 byte order mark some tools write.
    if text.count - index >= 3, text[index] == 0xEF, text[index + 1] == 0xBB,
      text[index + 2] == 0xBF
    {
      index = skipWhitespace(text, from: index + 3)
    }
    guard index < text.count, text[index] == UInt8(ascii: "{") else { return nil }

    var depth = 0
    var containerIsArray: UInt64 = 0  // one bit per depth: a stack without allocation
    var payloadDepth = -1  // depth of the object under the root's "payload" key
    var dataDepth = -1  // depth of the object under payload's "data" key
    var key = Key.none
    var found: Range<Int>? = nil
    var rootClosed = false

    while index < text.count {
      let character = text[index]
      if rootClosed {
        guard isWhitespace(character) else { return nil }
        index += 1
        continue
      }
      switch character {
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        guard depth < 63 else { return nil }
        depth += 1
        let isArray = character == UInt8(ascii: "[")
        if isArray { containerIsArray |= 1 << depth } else { containerIsArray &= ~(1 << depth) }
        if !isArray && key == .payload && depth == 2 { payloadDepth = depth }
        if !isArray && key == .data && payloadDepth > 0 && depth == payloadDepth + 1 {
          dataDepth = depth
        }
        key = .none
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        let isArray = character == UInt8(ascii: "]")
        guard depth > 0, (containerIsArray >> depth) & 1 == (isArray ? 1 : 0) else { return nil }
        if depth == dataDepth { dataDepth = -1 }
        if depth == payloadDepth { payloadDepth = -1 }
        depth -= 1
        if depth == 0 { rootClosed = true }
        key = .none
      case UInt8(ascii: "\""):
        guard let end = stringEnd(text, openingQuote: index) else { return nil }
        let content = (index + 1)..<end
        let next = skipWhitespace(text, from: end + 1)
        if next < text.count, text[next] == UInt8(ascii: ":") {
          key =
            matches(text, content, "payload")
            ? .payload
            : matches(text, content, "data")
              ? .data : matches(text, content, "bytes") ? .bytes : .other
          index = next + 1
          continue
        }
        if found == nil, isHexDigits(text, content),
          (key == .bytes && depth == dataDepth) || (key == .payload && depth == 1)
        {
          found = content
        }
        key = .none
        index = end + 1
        continue
      case UInt8(ascii: ","):
        key = .none
      default:
        break  // whitespace, ':', numbers, true/false/null
      }
      index += 1
    }
    return rootClosed ? found : nil
  }

  static func isWhitespace(_ character: UInt8) -> Bool {
    character == 0x20 || character == 0x09 || character == 0x0A || character == 0x0D
  }

  static func hexValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
    default: nil
    }
  }

  static func skipWhitespace(_ text: UnsafeRawBufferPointer, from start: Int) -> Int {
    var index = start
    while index < text.count, isWhitespace(text[index]) { index += 1 }
    return index
  }

  /// Index of the closing quote, stepping over backslash escapes; nil when unterminated or when
  /// a raw control character appears (not allowed in JSON strings).
  static func stringEnd(_ text: UnsafeRawBufferPointer, openingQuote: Int) -> Int? {
    var index = openingQuote + 1
    while index < text.count {
      switch text[index] {
      case UInt8(ascii: "\""): return index
      case UInt8(ascii: "\\"): index += 2
      case 0..<0x20: return nil
      default: index += 1
      }
    }
    return nil
  }

  static func matches(_ text: UnsafeRawBufferPointer, _ range: Range<Int>, _ word: StaticString)
    -> Bool
  {
    guard range.count == word.utf8CodeUnitCount else { return false }
    let start = word.utf8Start
    for offset in 0..<range.count where text[range.lowerBound + offset] != start[offset] {
      return false
    }
    return true
  }

  static func isHexDigits(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
    guard !range.isEmpty, range.count % 2 == 0 else { return false }
    for index in range where hexValue(text[index]) == nil { return false }
    return true
  }
}
