/// Why `sightline merge` could not merge its inputs.
public struct CaptureMergeError: Error, CustomStringConvertible, Equatable {
  public let description: String

  public init(_ description: String) { self.description = description }
}
