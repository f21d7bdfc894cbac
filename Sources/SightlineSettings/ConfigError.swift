/// A config file that cannot be used: the file, the key, and what is wrong with its value.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
  public let file: String
  /// Dotted key, such as "grid.resolution_m"; empty when the file itself is at fault.
  public let key: String
  public let problem: String

  public init(file: String, key: String, problem: String) {
    self.file = file
    self.key = key
    self.problem = problem
  }

  public var description: String {
    key.isEmpty ? "\(file): \(problem)" : "\(file): \(key): \(problem)"
  }
}
