// The toml-test suite's TOML 1.0.0 cases (toml-test/, MIT; see toml-test/README.md): every valid
// document must read to the suite's expected JSON, or be refused for its dates and times, and
// every invalid one must be an error.
import Foundation
import SightlineTOML
import Testing

let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("toml-test")

func suiteCases(_ kind: String) throws -> [String] {
  let list = try String(
    contentsOf: suite.appendingPathComponent("files-toml-1.0.0"), encoding: .utf8)
  return list.split(separator: "\n").map(String.init)
    .filter { $0.hasPrefix(kind + "/") && $0.hasSuffix(".toml") }
}

func read(_ name: String) throws -> Data {
  try Data(contentsOf: suite.appendingPathComponent(name))
}

@Test func everyValidDocumentReadsAsTheSuiteExpects() throws {
  let cases = try suiteCases("valid")
  var matched = 0
  var refusedDates = 0
  var failures = [String]()
  for name in cases {
    let expected = try JSONSerialization.jsonObject(
      with: try read(String(name.dropLast(5)) + ".json"), options: [.fragmentsAllowed])
    let document = try read(name)
    do throws(TOMLError) {
      let table = try TOMLReader.parse(bytes: document)
      if let difference = compare(.table(table), expected, at: "") {
        failures.append("\(name): \(difference)")
      } else {
        matched += 1
      }
    } catch {
      if error.message.hasPrefix("dates and times"), containsDate(expected) {
        refusedDates += 1
      } else {
        failures.append("\(name): \(error)")
      }
    }
  }
  #expect(failures == [])
  #expect(cases.count == 205)
  // Only the cases with dates or times are refused.
  #expect(refusedDates == 19)
  #expect(matched == cases.count - refusedDates)
}

@Test func everyInvalidDocumentIsAnError() throws {
  let cases = try suiteCases("invalid")
  var accepted = [String]()
  for name in cases {
    if (try? TOMLReader.parse(bytes: try read(name))) != nil { accepted.append(name) }
  }
  #expect(accepted == [])
  #expect(cases.count == 473)
}

/// nil when `value` is what the suite's tagged JSON says; otherwise where they differ.
func compare(_ value: TOMLValue, _ json: Any, at path: String) -> String? {
  if let tagged = json as? [String: Any], tagged.count == 2,
    let type = tagged["type"] as? String, let text = tagged["value"] as? String
  {
    switch (type, value) {
    case ("string", .string(let string)) where string == text: return nil
    case ("integer", .integer(let integer)) where Int64(text) == integer: return nil
    case ("bool", .boolean(let flag)) where String(flag) == text: return nil
    case ("float", .float(let float)):
      let expected =
        ["inf": Double.infinity, "+inf": .infinity, "-inf": -.infinity][text]
        ?? Double(text)
      if let expected, expected == float || (expected.isNaN && float.isNaN) {
        if float == 0, expected.sign != float.sign { break }
        return nil
      }
    default: break
    }
    return "\(path): expected \(type) \(text), read \(value)"
  }
  if let array = json as? [Any] {
    guard let values = value.array, values.count == array.count else {
      return "\(path): expected an array of \(array.count), read \(value)"
    }
    for (index, element) in values.enumerated() {
      if let difference = compare(element, array[index], at: "\(path)[\(index)]") {
        return difference
      }
    }
    return nil
  }
  if let object = json as? [String: Any] {
    guard let table = value.table, Set(table.keys) == Set(object.keys) else {
      return "\(path): expected a table with \(object.keys.sorted()), read \(value)"
    }
    for key in table.keys {
      if let difference = compare(table[key]!, object[key]!, at: "\(path).\(key)") {
        return difference
      }
    }
    return nil
  }
  return "\(path): unexpected JSON \(json)"
}

func containsDate(_ json: Any) -> Bool {
  if let object = json as? [String: Any] {
    if let type = object["type"] as? String, type.hasPrefix("date") || type.hasPrefix("time") {
      return true
    }
    return object.values.contains(where: containsDate)
  }
  if let array = json as? [Any] { return array.contains(where: containsDate) }
  return false
}
