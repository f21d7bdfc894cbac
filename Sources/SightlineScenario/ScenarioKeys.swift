import SightlineTOML

/// One table of a scenario file, read strictly: each getter checks the type and the range and
/// throws `ScenarioFileError` naming the file, line and dotted key.
struct ScenarioKeys {
  let file: ScenarioFile
  let table: TOMLTable
  /// The table's own dotted path with a trailing dot ("agent[1].size."), or "" for the root.
  let path: String

  init(_ file: ScenarioFile, _ table: TOMLTable, path: String) {
    self.file = file
    self.table = table
    self.path = path
  }

  func has(_ key: String) -> Bool { table[key] != nil }

  func fail(_ key: String, _ problem: String) -> ScenarioFileError {
    file.error(path + key, problem)
  }

  func allow(_ keys: [String]) throws {
    for key in table.keys where !keys.contains(key) {
      throw fail(key, "unknown key (known here: \(keys.joined(separator: ", ")))")
    }
  }

  func value(_ key: String) throws -> TOMLValue {
    guard let value = table[key] else { throw fail(key, "missing") }
    return value
  }

  func string(_ key: String, default fallback: String? = nil) throws -> String {
    guard has(key) || fallback == nil else { return fallback! }
    guard let text = try value(key).string else { throw fail(key, "must be a string") }
    return text
  }

  func bool(_ key: String, default fallback: Bool) throws -> Bool {
    guard has(key) else { return fallback }
    guard let flag = try value(key).bool else { throw fail(key, "must be true or false") }
    return flag
  }

  func integer(_ key: String) throws -> Int {
    guard let number = try value(key).int, number >= 0 else {
      throw fail(key, "must be a non-negative integer")
    }
    return number
  }

  /// A finite number in [low, high] (integers are accepted as numbers).
  func double(
    _ key: String, from low: Double = -.greatestFiniteMagnitude,
    to high: Double = .greatestFiniteMagnitude, default fallback: Double? = nil
  ) throws -> Double {
    if !has(key), let fallback { return fallback }
    guard let number = try value(key).number else { throw fail(key, "must be a number") }
    guard number.isFinite else { throw fail(key, "must be finite, not \(number)") }
    guard number >= low, number <= high else {
      throw fail(key, "\(number) is outside \(low)…\(high)")
    }
    return number
  }

  /// A finite number above `low` (sizes, durations, rates).
  func double(_ key: String, above low: Double, default fallback: Double? = nil) throws -> Double {
    let number = try double(key, default: fallback)
    guard number > low else { throw fail(key, "must be above \(low), not \(number)") }
    return number
  }

  func choice<T: RawRepresentable>(_ key: String, _: T.Type, default fallback: T? = nil) throws
    -> T where T.RawValue == String
  {
    if !has(key), let fallback { return fallback }
    let text = try string(key)
    guard let parsed = T(rawValue: text) else { throw fail(key, "unknown value \"\(text)\"") }
    return parsed
  }

  func array(_ key: String, default fallback: [TOMLValue]) throws -> [TOMLValue] {
    guard has(key) else { return fallback }
    guard let items = try value(key).array else { throw fail(key, "must be an array") }
    return items
  }

  func table(_ key: String) throws -> ScenarioKeys {
    guard let inner = table[key] else {
      return ScenarioKeys(file, TOMLTable(), path: path + key + ".")
    }
    guard let found = inner.table else { throw fail(key, "must be a table") }
    return ScenarioKeys(file, found, path: path + key + ".")
  }

  /// An array of tables (`[[agent]]`, or an inline `motion = [{…}, …]`); none when absent.
  func tables(_ key: String, inline: Bool = false) throws -> [ScenarioKeys] {
    try array(key, default: []).enumerated().map { index, item in
      guard let found = item.table else { throw fail("\(key)[\(index)]", "must be a table") }
      return ScenarioKeys(file, found, path: path + "\(key)[\(index)].")
    }
  }
}
