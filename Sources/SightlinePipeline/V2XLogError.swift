import Foundation

/// A V2X log that cannot be read or written: the file, the line (0: the file as a whole), why.
public struct V2XLogError: Error, CustomStringConvertible {
  public let path: String
  public let line: Int
  public let problem: String
  public var description: String { "\(path):\(line): \(problem)" }

  public init(path: String, line: Int, problem: String) {
    self.path = path
    self.line = line
    self.problem = problem
  }
}
