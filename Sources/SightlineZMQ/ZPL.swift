// ZPL: the bits of ZPL (ZeroMQ RFC 4) that CURVE key files and allow-lists use.

/// The bits of ZPL (ZeroMQ RFC 4) that key files and allow-lists use.
enum ZPL {
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

extension Substring {
  /// Without leading and trailing whitespace.
  func trimmingWhitespace() -> Substring {
    let start = drop { $0.isWhitespace }
    return start.dropLast(start.reversed().prefix { $0.isWhitespace }.count)
  }
}
