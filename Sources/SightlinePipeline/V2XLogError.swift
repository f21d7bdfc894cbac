import Foundation

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
