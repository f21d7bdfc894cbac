/// Text that is not TOML 1.0, or that uses what Sightline does not read (dates and times).
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
  /// 1-based.
  public let line: Int
  /// 1-based, in UTF-8 bytes.
  public let column: Int
  public let message: String

  public var description: String { "line \(line), column \(column): \(message)" }
}
