import Foundation

/// A JSON value as the metadata reader sees it. Decoding tries Bool before numbers, so `true` is
/// never read as 1 and `1` never as true.
enum OusterJSON: Decodable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([OusterJSON])
  case object([String: OusterJSON])

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([OusterJSON].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: OusterJSON].self))
    }
  }

  static func parse(_ bytes: [UInt8]) throws(OusterMetadataError) -> [String: OusterJSON] {
    let value: OusterJSON
    do {
      value = try JSONDecoder().decode(OusterJSON.self, from: Data(bytes))
    } catch {
      throw .notJSON(String(describing: error).prefix(200).description)
    }
    guard case .object(let object) = value else { throw .notJSON("the top level is not an object") }
    return object
  }
}

/// One JSON object and the dotted path that leads to it, for errors that name the key.
struct OusterJSONObject {
  let fields: [String: OusterJSON]
  let path: String

  init(_ fields: [String: OusterJSON], path: String = "") {
    self.fields = fields
    self.path = path
  }

  func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  func has(_ key: String) -> Bool {
    if case .none = fields[key] { return false }
    if case .null? = fields[key] { return false }
    return true
  }

  func value(_ key: String) throws(OusterMetadataError) -> OusterJSON {
    guard let value = fields[key], has(key) else { throw .missingKey(keyPath(key)) }
    return value
  }

  func object(_ key: String) throws(OusterMetadataError) -> OusterJSONObject {
    guard case .object(let object) = try value(key) else {
      throw .wrongType(key: keyPath(key), expected: "an object")
    }
    return OusterJSONObject(object, path: keyPath(key))
  }

  func number(_ key: String) throws(OusterMetadataError) -> Double {
    guard case .number(let number) = try value(key), number.isFinite else {
      throw .wrongType(key: keyPath(key), expected: "a number")
    }
    return number
  }

  func integer(_ key: String, in range: ClosedRange<Int>) throws(OusterMetadataError) -> Int {
    let number = try number(key)
    guard number.rounded() == number, let integer = Int(exactly: number) else {
      throw .wrongType(key: keyPath(key), expected: "an integer")
    }
    guard range.contains(integer) else {
      throw .invalidValue(key: keyPath(key), reason: "\(integer) is outside \(range)")
    }
    return integer
  }

  func string(_ key: String) throws(OusterMetadataError) -> String {
    guard case .string(let string) = try value(key) else {
      throw .wrongType(key: keyPath(key), expected: "a string")
    }
    return string
  }

  func numbers(_ key: String) throws(OusterMetadataError) -> [Double] {
    guard case .array(let items) = try value(key) else {
      throw .wrongType(key: keyPath(key), expected: "an array of numbers")
    }
    var numbers: [Double] = []
    for item in items {
      guard case .number(let number) = item, number.isFinite else {
        throw .wrongType(key: keyPath(key), expected: "an array of numbers")
      }
      numbers.append(number)
    }
    return numbers
  }

  func integers(_ key: String) throws(OusterMetadataError) -> [Int] {
    var integers: [Int] = []
    for number in try numbers(key) {
      guard number.rounded() == number, let integer = Int(exactly: number) else {
        throw .wrongType(key: keyPath(key), expected: "an array of integers")
      }
      integers.append(integer)
    }
    return integers
  }

  /// A 4×4 homogeneous transform, 16 numbers row by row.
  func transform(_ key: String) throws(OusterMetadataError) -> [Double] {
    let numbers = try numbers(key)
    guard numbers.count == 16 else {
      throw .invalidValue(
        key: keyPath(key), reason: "a 4x4 transform has 16 numbers, not \(numbers.count)")
    }
    return numbers
  }

  /// A serial number, written as a string ("992137000142") or a number.
  func serialNumber(_ key: String) throws(OusterMetadataError) -> UInt64 {
    switch try value(key) {
    case .string(let text):
      if text.isEmpty { return 0 }
      guard let serial = UInt64(text) else {
        throw .invalidValue(key: keyPath(key), reason: "\"\(text)\" is not a serial number")
      }
      return serial
    case .number(let number):
      guard let serial = UInt64(exactly: number) else {
        throw .invalidValue(key: keyPath(key), reason: "\(number) is not a serial number")
      }
      return serial
    default:
      throw .wrongType(key: keyPath(key), expected: "a string or a number")
    }
  }
}
