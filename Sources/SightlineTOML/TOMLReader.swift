/// Reads TOML 1.0 text into a `TOMLTable`. Everything the specification forbids is an error:
/// duplicate keys, tables defined twice, dotted keys reopening a table defined elsewhere,
/// inline tables and arrays extended later, control characters, bad escapes, leading zeros,
/// integer overflow, and bytes that are not UTF-8. Dates and times are refused as such.
public enum TOMLReader {
  /// Arrays and inline tables nest at most this deep, and a key has at most this many parts:
  /// the limits keep a hostile file from exhausting the stack.
  public static let maximumDepth = 128

  public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
    var parser = Parser(bytes: Array(text.utf8))
    return try parser.document()
  }

  /// Bytes that are not UTF-8 are an error (line 1, column 1).
  public static func parse(bytes: some Collection<UInt8>) throws(TOMLError) -> TOMLTable {
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw TOMLError(line: 1, column: 1, message: "not UTF-8 text")
    }
    return try parse(text)
  }
}

/// A table while the document is read. Where it came from decides what may still add to it.
private final class Node {
  enum Origin: Equatable {
    /// Made as a parent of a `[header]` (`[a.b]` makes `a`): a later `[a]` may define it.
    case implicit
    /// Defined by a `[header]` or `[[header]]`: no other header and no dotted key may reopen it.
    case header
    /// Made by a dotted key (`a.b = 1` makes `a`) in one section: only that section may add to
    /// it with dotted keys; headers may still define tables below it.
    case dotted(section: Int)
  }

  enum Item {
    /// Any value, including inline tables and arrays, which are complete once written.
    case value(TOMLValue)
    case table(Node)
    /// An array of tables (`[[header]]`), which later headers extend.
    case tables([Node])
  }

  var origin: Origin
  var keys: [String] = []
  var items: [String: Item] = [:]

  init(_ origin: Origin) { self.origin = origin }

  func add(_ key: String, _ item: Item) {
    if items.updateValue(item, forKey: key) == nil { keys.append(key) }
  }

  func table() -> TOMLTable {
    var table = TOMLTable()
    for key in keys {
      switch items[key]! {
      case .value(let value): table.append(key, value)
      case .table(let node): table.append(key, .table(node.table()))
      case .tables(let nodes): table.append(key, .array(nodes.map { .table($0.table()) }))
      }
    }
    return table
  }
}

private struct Parser {
  let bytes: [UInt8]
  var index = 0
  /// Each header starts a new section for `Node.Origin.dotted`; each inline table too, counted
  /// down from -1 so that it never matches a header's.
  var section = 0
  var inlineSections = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  // MARK: Document

  mutating func document() throws(TOMLError) -> TOMLTable {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    let root = Node(.header)
    var current = root
    while true {
      skipSpaces()
      guard let byte = peek() else { break }
      switch byte {
      case ascii("#"), ascii("\n"), ascii("\r"):
        break
      case ascii("["):
        current = try header(root)
      default:
        let start = index
        let path = try key()
        try expect("=", "expected = after the key")
        skipSpaces()
        let value = try value(depth: 0)
        try insert(value, at: path, into: current, start: start)
      }
      try endOfLine()
    }
    return root.table()
  }

  /// `[a.b]` or `[[a.b]]`: the table that the following keys go into.
  mutating func header(_ root: Node) throws(TOMLError) -> Node {
    let start = index
    let isArray = peek(at: index + 1) == ascii("[")
    index += isArray ? 2 : 1
    skipSpaces()
    let path = try key()
    skipSpaces()
    if isArray {
      guard peek(at: index) == ascii("]"), peek(at: index + 1) == ascii("]") else {
        throw error("expected ]] to close the [[\(dotted(path))]] header")
      }
      index += 2
    } else {
      try expect("]", "expected ] to close the [\(dotted(path))] header")
    }
    section += 1

    var node = root
    for (depth, part) in path.dropLast().enumerated() {
      switch node.items[part] {
      case nil:
        let child = Node(.implicit)
        node.add(part, .table(child))
        node = child
      case .table(let child):
        node = child
      case .tables(let children):
        node = children[children.count - 1]
      case .value(let value):
        throw error(
          "\(dotted(path[...depth])) is already a \(value.typeName), not a table", at: start)
      }
    }
    let last = path[path.count - 1]
    let name = dotted(path)
    if isArray {
      let element = Node(.header)
      switch node.items[last] {
      case nil:
        node.add(last, .tables([element]))
      case .tables(let elements):
        node.items[last] = .tables(elements + [element])
      case .table:
        throw error("[[\(name)]]: \(name) is already a table, not an array of tables", at: start)
      case .value(let value):
        throw error("[[\(name)]]: \(name) is already a \(value.typeName)", at: start)
      }
      return element
    }
    switch node.items[last] {
    case nil:
      let table = Node(.header)
      node.add(last, .table(table))
      return table
    case .table(let table) where table.origin == .implicit:
      table.origin = .header
      return table
    case .table(let table):
      let how = table.origin == .header ? "by a header" : "by dotted keys"
      throw error("[\(name)]: table \(name) is already defined \(how)", at: start)
    case .tables:
      throw error("[\(name)]: \(name) is an array of tables ([[\(name)]])", at: start)
    case .value(let value):
      throw error("[\(name)]: \(name) is already a \(value.typeName)", at: start)
    }
  }

  /// `a.b.c = value` in `table`: makes or reopens `a` and `a.b` as this section's dotted tables.
  func insert(_ value: TOMLValue, at path: [String], into table: Node, start: Int)
    throws(TOMLError)
  {
    var node = table
    for (depth, part) in path.dropLast().enumerated() {
      let name = dotted(path[...depth])
      switch node.items[part] {
      case nil:
        let child = Node(.dotted(section: section))
        node.add(part, .table(child))
        node = child
      case .table(let child):
        switch child.origin {
        case .implicit: child.origin = .dotted(section: section)
        case .dotted(let defined) where defined == section: break
        case .dotted: throw error("dotted keys cannot add to table \(name) here", at: start)
        case .header: throw error("table \(name) is defined by a header", at: start)
        }
        node = child
      case .tables:
        throw error("\(name) is an array of tables, not a table", at: start)
      case .value(let value):
        throw error("\(name) is already a \(value.typeName), not a table", at: start)
      }
    }
    let last = path[path.count - 1]
    guard node.items[last] == nil else {
      throw error("duplicate key \(dotted(path))", at: start)
    }
    node.add(last, .value(value))
  }

  // MARK: Keys

  mutating func key() throws(TOMLError) -> [String] {
    var parts = [try simpleKey()]
    while true {
      skipSpaces()
      guard peek() == ascii(".") else { return parts }
      index += 1
      skipSpaces()
      guard parts.count < TOMLReader.maximumDepth else {
        throw error("a key has more than \(TOMLReader.maximumDepth) parts")
      }
      parts.append(try simpleKey())
    }
  }

  mutating func simpleKey() throws(TOMLError) -> String {
    switch peek() {
    case ascii("\""):
      if starts("\"\"\"") { throw error("a key cannot be a multi-line string") }
      return try basicString()
    case ascii("'"):
      if starts("'''") { throw error("a key cannot be a multi-line string") }
      return try literalString()
    default:
      let start = index
      while let byte = peek(), isBareKey(byte) { index += 1 }
      guard index > start else { throw error("expected a key") }
      return String(decoding: bytes[start..<index], as: UTF8.self)
    }
  }

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
    let table = Node(.dotted(section: section))
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

  // MARK: Blanks, comments and line ends

  mutating func skipSpaces() {
    while let byte = peek(), isSpace(byte) { index += 1 }
  }

  /// Inside arrays: blanks, comments and line breaks.
  mutating func skipBlankLines() throws(TOMLError) {
    while let byte = peek() {
      if isSpace(byte) {
        index += 1
      } else if byte == ascii("\n") || byte == ascii("\r") {
        try newline()
      } else if byte == ascii("#") {
        try comment()
      } else {
        return
      }
    }
  }

  /// After a key/value pair or a header: blanks, an optional comment, then a line break or the end.
  mutating func endOfLine() throws(TOMLError) {
    skipSpaces()
    if peek() == ascii("#") { try comment() }
    guard peek() != nil else { return }
    guard peek() == ascii("\n") || peek() == ascii("\r") else {
      throw error("expected the end of the line")
    }
    try newline()
  }

  mutating func comment() throws(TOMLError) {
    while let byte = peek(), byte != ascii("\n"), byte != ascii("\r") {
      try checkNotControl(byte)
      index += 1
    }
  }

  /// LF or CRLF; a lone CR is not a line break.
  mutating func newline() throws(TOMLError) {
    if peek() == ascii("\r") {
      guard peek(at: index + 1) == ascii("\n") else {
        throw error("carriage return without line feed")
      }
      index += 2
    } else {
      index += 1
    }
  }

  /// Tab is the only control character allowed in strings and comments.
  func checkNotControl(_ byte: UInt8) throws(TOMLError) {
    if (byte < 0x20 && byte != ascii("\t")) || byte == 0x7F {
      throw error("control character U+\(String(byte, radix: 16, uppercase: true)) must be escaped")
    }
  }

  // MARK: Bytes

  func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
  func peek(at position: Int) -> UInt8? { position < bytes.count ? bytes[position] : nil }

  func starts(_ text: StaticString) -> Bool {
    let count = text.utf8CodeUnitCount
    guard index + count <= bytes.count else { return false }
    return (0..<count).allSatisfy { bytes[index + $0] == text.utf8Start[$0] }
  }

  mutating func expect(_ character: Unicode.Scalar, _ message: String) throws(TOMLError) {
    skipSpaces()
    guard peek() == UInt8(ascii: character) else { throw error(message) }
    index += 1
  }

  func error(_ message: String, at position: Int? = nil) -> TOMLError {
    let offset = min(position ?? index, bytes.count)
    var line = 1
    var lineStart = 0
    for (at, byte) in bytes[..<offset].enumerated() where byte == ascii("\n") {
      line += 1
      lineStart = at + 1
    }
    return TOMLError(line: line, column: offset - lineStart + 1, message: message)
  }

  func dotted(_ path: some Collection<String>) -> String {
    path.map { key in
      key.utf8.allSatisfy(isBareKey) && !key.isEmpty ? key : "\"\(key)\""
    }.joined(separator: ".")
  }
}

private func ascii(_ scalar: Unicode.Scalar) -> UInt8 { UInt8(ascii: scalar) }
private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
private func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

private func isBareKey(_ byte: UInt8) -> Bool {
  switch byte {
  case ascii("A")...ascii("Z"), ascii("a")...ascii("z"), ascii("0")...ascii("9"), ascii("_"),
    ascii("-"):
    true
  default: false
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
