/// A table: its keys in the order they appear in the text.
public struct TOMLTable: Sendable, Equatable {
  public private(set) var keys: [String] = []
  private var values: [String: TOMLValue] = [:]

  public init() {}

  public subscript(key: String) -> TOMLValue? { values[key] }

  public var isEmpty: Bool { keys.isEmpty }

  /// Sets `key`, adding it after the others when it is new.
  public mutating func set(_ key: String, _ value: TOMLValue) { append(key, value) }

  /// Adds `key`; the reader checks for duplicates before it calls this.
  mutating func append(_ key: String, _ value: TOMLValue) {
    if values.updateValue(value, forKey: key) == nil { keys.append(key) }
  }

  public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
    lhs.values == rhs.values
  }
}
