// SightlineTOML parser: one pass over the UTF-8 bytes, building `TOMLNode`s that enforce where a
// table may still be added to. This file holds the document structure (headers, key/value pairs),
// keys, blanks and line ends, and byte access; values are in TOMLParser+Values.swift and strings
// in TOMLParser+Strings.swift.

/// Reads one document for `TOMLReader`; every error carries its line and column.
struct TOMLParser {
  let bytes: [UInt8]
  var index = 0
  /// Each header starts a new section for `TOMLNode.Origin.dotted`; each inline table too, counted
  /// down from -1 so that it never matches a header's.
  var section = 0
  var inlineSections = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  // MARK: Document

  mutating func document() throws(TOMLError) -> TOMLTable {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    let root = TOMLNode(.header)
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
  mutating func header(_ root: TOMLNode) throws(TOMLError) -> TOMLNode {
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
        let child = TOMLNode(.implicit)
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
      let element = TOMLNode(.header)
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
      let table = TOMLNode(.header)
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
  func insert(_ value: TOMLValue, at path: [String], into table: TOMLNode, start: Int)
    throws(TOMLError)
  {
    var node = table
    for (depth, part) in path.dropLast().enumerated() {
      let name = dotted(path[...depth])
      switch node.items[part] {
      case nil:
        let child = TOMLNode(.dotted(section: section))
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

// Byte classes, shared by the parser's files.

func ascii(_ scalar: Unicode.Scalar) -> UInt8 { UInt8(ascii: scalar) }
func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

func isBareKey(_ byte: UInt8) -> Bool {
  switch byte {
  case ascii("A")...ascii("Z"), ascii("a")...ascii("z"), ascii("0")...ascii("9"), ascii("_"),
    ascii("-"):
    true
  default: false
  }
}
