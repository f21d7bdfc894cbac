/// Reads TOML 1.0 text into a `TOMLTable`. Everything the specification forbids is an error:
/// duplicate keys, tables defined twice, dotted keys reopening a table defined elsewhere,
/// inline tables and arrays extended later, control characters, bad escapes, leading zeros,
/// integer overflow, and bytes that are not UTF-8. Dates and times are refused as such.
public enum TOMLReader {
  /// Arrays and inline tables nest at most this deep, and a key has at most this many parts:
  /// the limits keep a hostile file from exhausting the stack.
  public static let maximumDepth = 128

  public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
    var parser = TOMLParser(bytes: Array(text.utf8))
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
