import Foundation
import NIOCore

/// A listener that could not start: its address, and why ("Address already in use").
public struct FoxgloveServerError: Error, CustomStringConvertible {
  public var address: FoxgloveAddress
  public var underlying: any Error

  public var description: String {
    if let io = underlying as? IOError {
      return "listen on \(address): \(String(cString: strerror(io.errnoCode)))"
    }
    return "listen on \(address): \(underlying)"
  }
}
