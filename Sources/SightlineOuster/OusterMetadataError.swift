/// Why a metadata JSON cannot describe the sensor: each case names the key (as a dotted path,
/// e.g. "beam_intrinsics.beam_altitude_angles") so the user knows what to fix.
public enum OusterMetadataError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The bytes are not a JSON object.
  case notJSON(String)
  case missingKey(String)
  case wrongType(key: String, expected: String)
  case invalidValue(key: String, reason: String)
  /// Two parts of the metadata contradict each other (counts, profiles, modes).
  case mismatch(String)

  public var description: String {
    switch self {
    case .notJSON(let why): "Ouster metadata: not a JSON object (\(why))"
    case .missingKey(let key): "Ouster metadata: missing key \"\(key)\""
    case .wrongType(let key, let expected):
      "Ouster metadata: \"\(key)\" should be \(expected)"
    case .invalidValue(let key, let reason): "Ouster metadata: \"\(key)\": \(reason)"
    case .mismatch(let what): "Ouster metadata: \(what)"
    }
  }
}
