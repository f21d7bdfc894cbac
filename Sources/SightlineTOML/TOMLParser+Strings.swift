// SightlineTOML parser, strings: basic, literal and multi-line strings, and escapes.

extension TOMLParser {
  // MARK: Strings

  mutating func basicString() throws(TOMLError) -> String {
    index += 1
    var out = [UInt8]()
    while true {
      guard let byte = peek() else { throw error("unterminated string") }
      switch byte {
      case ascii("\""):
        index += 1
        return String(decoding: out, as: UTF8.self)
      case ascii("\\"):
        try escape(into: &out)
      case ascii("\n"), ascii("\r"):
        throw error("unterminated string (use \"\"\" for more than one line)")
      default:
        try checkNotControl(byte)
        out.append(byte)
        index += 1
      }
    }
  }

  /// `"""…"""` (`quote` `"`, with escapes) or `'''…'''` (`quote` `'`, literal). A line break
  /// right after the opening quotes is not part of the string; CRLF reads as LF.
  mutating func multiLineString(quote: UInt8) throws(TOMLError) -> String {
    let escapes = quote == ascii("\"")
    index += 3
    if peek() == ascii("\n") || peek() == ascii("\r") { try newline() }
    var out = [UInt8]()
    while true {
      guard let byte = peek() else {
        throw error("unterminated \(escapes ? "\"\"\"" : "'''") string")
      }
      switch byte {
      case quote:
        if try closesMultiLine(quote, into: &out) { return String(decoding: out, as: UTF8.self) }
      case ascii("\\") where escapes:
        // A backslash at the end of a line drops the line break and the blanks after it.
        var next = index + 1
        while let blank = peek(at: next), isSpace(blank) { next += 1 }
        if peek(at: next) == ascii("\n")
          || (peek(at: next) == ascii("\r") && peek(at: next + 1) == ascii("\n"))
        {
          index = next
          while let blank = peek(), isSpace(blank) || blank == ascii("\n") || blank == ascii("\r") {
            if blank == ascii("\r") { try newline() } else { index += 1 }
          }
        } else {
          try escape(into: &out)
        }
      case ascii("\n"), ascii("\r"):
        try newline()
        out.append(ascii("\n"))
      default:
        try checkNotControl(byte)
        out.append(byte)
        index += 1
      }
    }
  }

  mutating func literalString() throws(TOMLError) -> String {
    index += 1
    let start = index
    while true {
      guard let byte = peek() else { throw error("unterminated string") }
      if byte == ascii("'") { break }
      if byte == ascii("\n") || byte == ascii("\r") {
        throw error("unterminated string (use ''' for more than one line)")
      }
      try checkNotControl(byte)
      index += 1
    }
    index += 1
    return String(decoding: bytes[start..<index - 1], as: UTF8.self)
  }

  /// At a run of `quote`s in a multi-line string: three close it, and up to two more before
  /// them belong to the string (`""""` ends with one quote); fewer than three are content.
  mutating func closesMultiLine(_ quote: UInt8, into out: inout [UInt8]) throws(TOMLError) -> Bool {
    var count = 0
    while peek(at: index + count) == quote { count += 1 }
    if count < 3 {
      out.append(contentsOf: repeatElement(quote, count: count))
      index += count
      return false
    }
    guard count <= 5 else { throw error("too many quotes at the end of a multi-line string") }
    out.append(contentsOf: repeatElement(quote, count: count - 3))
    index += count
    return true
  }

  mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
    let start = index
    index += 1
    guard let code = peek() else { throw error("unterminated string") }
    index += 1
    let simple: [UInt8: UInt8] = [
      ascii("b"): 0x08, ascii("t"): 0x09, ascii("n"): 0x0A, ascii("f"): 0x0C, ascii("r"): 0x0D,
      ascii("\""): ascii("\""), ascii("\\"): ascii("\\"),
    ]
    if let byte = simple[code] {
      out.append(byte)
      return
    }
    let width = code == ascii("u") ? 4 : code == ascii("U") ? 8 : 0
    guard width > 0 else {
      throw error("unknown escape \\\(Character(Unicode.Scalar(code)))", at: start)
    }
    var value: UInt32 = 0
    for _ in 0..<width {
      guard let digit = peek().flatMap(Self.digitValue) else {
        throw error(
          "\\\(Character(Unicode.Scalar(code))) needs \(width) hexadecimal digits", at: start)
      }
      value = value << 4 | UInt32(digit)
      index += 1
    }
    guard let scalar = Unicode.Scalar(value) else {
      throw error("escape is not a Unicode scalar value", at: start)
    }
    out.append(contentsOf: String(Character(scalar)).utf8)
  }
}
