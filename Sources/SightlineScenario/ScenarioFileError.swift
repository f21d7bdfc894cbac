/// A scenario file that cannot be used: the file, the line, the key and what is wrong.
public struct ScenarioFileError: Error, Sendable, Equatable, CustomStringConvertible {
  public let file: String
  /// 1-based; 0 when the key is missing (the line of its table is given when known).
  public let line: Int
  /// Dotted key with array indices, such as `agent[2].size.length`; empty for the file itself.
  public let key: String
  public let problem: String

  public init(file: String, line: Int, key: String, problem: String) {
    self.file = file
    self.line = line
    self.key = key
    self.problem = problem
  }

  public var description: String {
    let place = line > 0 ? "\(file):\(line)" : file
    return key.isEmpty ? "\(place): \(problem)" : "\(place): \(key): \(problem)"
  }
}
