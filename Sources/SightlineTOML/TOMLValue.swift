// SightlineTOML: a strict TOML 1.0 reader for Sightline's config and drive manifests. Pure:
// text in, values out, and every malformed input is a thrown `TOMLError` with its line and
// column (it is fuzzed: Tools/fuzz config). Dates and times are refused with their own error,
// because no Sightline file has one. Checked against the toml-test suite (Tests/SightlineTOMLTests).

/// A TOML value. Dates and times are not read (see `TOMLReader`).
public indirect enum TOMLValue: Sendable, Equatable {
  case string(String)
  case integer(Int64)
  case float(Double)
  case boolean(Bool)
  case array([TOMLValue])
  case table(TOMLTable)

  public var string: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// An integer that fits `Int`.
  public var int: Int? {
    if case .integer(let value) = self { return Int(exactly: value) }
    return nil
  }

  /// A float; integers are not converted (callers that take either say so).
  public var double: Double? {
    if case .float(let value) = self { return value }
    return nil
  }

  public var bool: Bool? {
    if case .boolean(let value) = self { return value }
    return nil
  }

  public var array: [TOMLValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  public var table: TOMLTable? {
    if case .table(let value) = self { return value }
    return nil
  }

  /// The TOML name of this value's type, for error messages.
  public var typeName: String {
    switch self {
    case .string: "string"
    case .integer: "integer"
    case .float: "float"
    case .boolean: "boolean"
    case .array: "array"
    case .table: "table"
    }
  }
}

/// A table: its keys in the order they appear in the text.
public struct TOMLTable: Sendable, Equatable {
  public private(set) var keys: [String] = []
  private var values: [String: TOMLValue] = [:]

  public init() {}

  public subscript(key: String) -> TOMLValue? { values[key] }

  public var isEmpty: Bool { keys.isEmpty }

  /// Adds `key`; the reader checks for duplicates before it calls this.
  mutating func append(_ key: String, _ value: TOMLValue) {
    if values.updateValue(value, forKey: key) == nil { keys.append(key) }
  }

  public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
    lhs.values == rhs.values
  }
}

/// Text that is not TOML 1.0, or that uses what Sightline does not read (dates and times).
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
  /// 1-based.
  public let line: Int
  /// 1-based, in UTF-8 bytes.
  public let column: Int
  public let message: String

  public var description: String { "line \(line), column \(column): \(message)" }
}
