/// Why `sightline play` could not go on.
public struct PlayError: Error, CustomStringConvertible {
  public let description: String
}
