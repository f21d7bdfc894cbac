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
