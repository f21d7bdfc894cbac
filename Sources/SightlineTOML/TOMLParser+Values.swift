// SightlineTOML parser, values: arrays, inline tables, booleans and numbers (integers in four
// radixes, floats); dates and times are refused here.

extension TOMLParser {
  // MARK: Values

  mutating func value(depth: Int) throws(TOMLError) -> TOMLValue {
    guard depth < TOMLReader.maximumDepth else {
      throw error("arrays and inline tables nest more than \(TOMLReader.maximumDepth) deep")
    }
    switch peek() {
    case ascii("\""):
      return .string(try starts("\"\"\"") ? multiLineString(quote: ascii("\"")) : basicString())
    case ascii("'"):
      return .string(try starts("'''") ? multiLineString(quote: ascii("'")) : literalString())
    case ascii("["):
      return try array(depth: depth)
    case ascii("{"):
      return try inlineTable(depth: depth)
    case ascii("t"), ascii("f"):
      if starts("true") {
        index += 4
        return .boolean(true)
      }
      if starts("false") {
        index += 5
        return .boolean(false)
      }
      throw error("expected a value")
    case let byte? where isNumberStart(byte):
      return try number()
    default:
      throw error("expected a value")
    }
  }

  mutating func array(depth: Int) throws(TOMLError) -> TOMLValue {
    index += 1
    var values = [TOMLValue]()
    while true {
      try skipBlankLines()
      if peek() == ascii("]") { break }
      values.append(try value(depth: depth + 1))
      try skipBlankLines()
      if peek() == ascii(",") {
        index += 1
        continue
      }
      if peek() == ascii("]") { break }
      throw error("expected , or ] in the array")
    }
    index += 1
    return .array(values)
  }

  /// `{ a = 1, b.c = 2 }`: on one line, no trailing comma; complete once closed.
  mutating func inlineTable(depth: Int) throws(TOMLError) -> TOMLValue {
    index += 1
    let outer = section
    defer { section = outer }
    inlineSections -= 1
    let inner = inlineSections
    section = inner
    let table = TOMLNode(.dotted(section: section))
    skipSpaces()
    if peek() == ascii("}") {
      index += 1
      return .table(table.table())
    }
    while true {
      skipSpaces()
      let start = index
      let path = try key()
      try expect("=", "expected = after the key")
      skipSpaces()
      // Dotted keys nest tables too: they count against the same depth limit.
      let value = try value(depth: depth + path.count)
      section = inner
      try insert(value, at: path, into: table, start: start)
      skipSpaces()
      if peek() == ascii(",") {
        index += 1
        continue
      }
      if peek() == ascii("}") { break }
      throw error("expected , or } in the inline table (which must stay on one line)")
    }
    index += 1
    return .table(table.table())
  }

  /// Integers (decimal, 0x, 0o, 0b), floats (incl. inf and nan); dates and times are refused.
  mutating func number() throws(TOMLError) -> TOMLValue {
    let start = index
    while let byte = peek(), isNumberPart(byte) { index += 1 }
    let token = Array(bytes[start..<index])
    if token.contains(ascii(":")) || looksLikeDate(token) {
      throw error("dates and times are not read here (Sightline files use none)", at: start)
    }
    func bad(_ what: String) -> TOMLError {
      error("\(what): \(String(decoding: token, as: UTF8.self))", at: start)
    }
    var body = token[...]
    let sign = body.first.flatMap { $0 == ascii("+") || $0 == ascii("-") ? $0 : nil }
    if sign != nil { body = body.dropFirst() }
    let negative = sign == ascii("-")

    if body.elementsEqual("inf".utf8) { return .float(negative ? -.infinity : .infinity) }
    if body.elementsEqual("nan".utf8) { return .float(.nan) }

    if body.count > 2, body.first == ascii("0"),
      let radix = [ascii("x"): 16, ascii("o"): 8, ascii("b"): 2][body[body.startIndex + 1]]
    {
      guard sign == nil else { throw bad("a hexadecimal, octal or binary integer has no sign") }
      let digits = body.dropFirst(2)
      guard Self.isDigitGroups(digits, radix: radix) else { throw bad("not an integer") }
      let text = String(decoding: digits.filter { $0 != ascii("_") }, as: UTF8.self)
      guard let value = Int64(text, radix: radix) else { throw bad("integer out of range") }
      return .integer(value)
    }

    // Decimal: integer part, then an optional fraction and exponent.
    var rest = body
    let integerPart = rest.prefix { $0 != ascii(".") && $0 | 0x20 != ascii("e") }
    rest = rest.dropFirst(integerPart.count)
    guard Self.isDigitGroups(integerPart, radix: 10) else { throw bad("not a number") }
    guard integerPart.count == 1 || integerPart.first != ascii("0") else {
      throw bad("leading zeros are not allowed")
    }
    if rest.isEmpty {
      let text = String(
        decoding: token.filter { $0 != ascii("_") && $0 != ascii("+") }, as: UTF8.self)
      guard let value = Int64(text) else { throw bad("integer out of range") }
      return .integer(value)
    }
    if rest.first == ascii(".") {
      rest = rest.dropFirst()
      let fraction = rest.prefix { $0 | 0x20 != ascii("e") }
      rest = rest.dropFirst(fraction.count)
      guard Self.isDigitGroups(fraction, radix: 10) else { throw bad("not a number") }
    }
    if let e = rest.first {
      precondition(e | 0x20 == ascii("e"))
      rest = rest.dropFirst()
      if rest.first == ascii("+") || rest.first == ascii("-") { rest = rest.dropFirst() }
      guard Self.isDigitGroups(rest, radix: 10) else { throw bad("not a number") }
    }
    let text = String(decoding: token.filter { $0 != ascii("_") }, as: UTF8.self)
    guard let value = Double(text) else { throw bad("not a number") }
    return .float(value)
  }

  /// Digits of `radix`, with single underscores only between digits.
  static func isDigitGroups(_ digits: ArraySlice<UInt8>, radix: Int) -> Bool {
    guard let first = digits.first, let last = digits.last, first != ascii("_"),
      last != ascii("_")
    else { return false }
    var previous: UInt8 = 0
    for byte in digits {
      if byte == ascii("_") {
        if previous == ascii("_") { return false }
      } else if digitValue(byte).map({ $0 >= radix }) ?? true {
        return false
      }
      previous = byte
    }
    return true
  }

  static func digitValue(_ byte: UInt8) -> Int? {
    switch byte {
    case ascii("0")...ascii("9"): Int(byte - ascii("0"))
    case ascii("a")...ascii("f"): Int(byte - ascii("a")) + 10
    case ascii("A")...ascii("F"): Int(byte - ascii("A")) + 10
    default: nil
    }
  }

  /// `YYYY-MM-DD…`.
  func looksLikeDate(_ token: [UInt8]) -> Bool {
    token.count >= 10 && token[4] == ascii("-") && token[7] == ascii("-")
      && [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { isDigit(token[$0]) }
  }
}

private func isNumberStart(_ byte: UInt8) -> Bool {
  isDigit(byte) || byte == ascii("+") || byte == ascii("-") || byte == ascii("i")
    || byte == ascii("n")
}

/// What a number (or a date, to refuse it) can contain; the token is then checked whole.
private func isNumberPart(_ byte: UInt8) -> Bool {
  isBareKey(byte) || byte == ascii("+") || byte == ascii(".") || byte == ascii(":")
}
