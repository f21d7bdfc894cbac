/// Why a V2X message was not used. Every message lands in exactly one counter.
public enum V2XDropReason: Int, CaseIterable, Sendable, Error, CustomStringConvertible {
  case oversized
  case malformed
  case unknownType
  case duplicate
  case stale

  public var description: String {
    switch self {
    case .oversized: "oversized"
    case .malformed: "malformed"
    case .unknownType: "unknown type"
    case .duplicate: "duplicate"
    case .stale: "stale"
    }
  }
}
