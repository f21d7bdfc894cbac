/// What the localization pose ingest counted: every message received lands in exactly one of
/// accepted, malformed (not a `LocalizationPose`), invalid (values that make no pose) and
/// oversized (larger than the receive buffer).
public struct EgoPoseCounters: Sendable, Equatable, Codable {
  public var received = 0
  public var accepted = 0
  public var malformed = 0
  public var invalid = 0
  public var oversized = 0

  public init() {}
}
