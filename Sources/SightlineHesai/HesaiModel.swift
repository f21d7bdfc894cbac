/// The Hesai spinning LiDARs the decoder knows. The limits are nebula's (its `min_range`,
/// `max_range` and scan buffer size per sensor), so that a cloud keeps the points nebula keeps.
public enum HesaiModel: String, CaseIterable, Sendable, CustomStringConvertible {
  case pandar40P = "Pandar40P"
  case pandar64 = "Pandar64"
  case pandarQT64 = "PandarQT64"
  case pandarQT128 = "PandarQT128"
  case pandarXT16 = "PandarXT16"
  case pandarXT32 = "PandarXT32"
  case pandarXT32M = "PandarXT32M"

  public var description: String { rawValue }

  /// Accepts the names used in config and on the command line ("PandarQT64", "qt64", "XT32M").
  public init?(name: String) {
    let key = Self.key(name)
    guard let model = Self.allCases.first(where: { Self.key($0.rawValue) == key })
    else { return nil }
    self = model
  }

  private static func key(_ name: String) -> String {
    let letters = name.lowercased().filter { $0.isLetter || $0.isNumber }
    return letters.hasPrefix("pandar") ? String(letters.dropFirst(6)) : letters
  }

  /// Lasers (channels) per firing, and calibration lines.
  public var laserCount: Int {
    switch self {
    case .pandar40P: 40
    case .pandar64, .pandarQT64: 64
    case .pandarQT128: 128
    case .pandarXT16: 16
    case .pandarXT32, .pandarXT32M: 32
    }
  }

  /// The most returns one firing reports (the blocks of a return group).
  public var maximumReturns: Int { self == .pandarXT32M ? 3 : 2 }

  /// The shortest distance nebula keeps for this model, metres.
  public var minimumRange: Float {
    switch self {
    case .pandar40P, .pandar64: 0.3
    case .pandarQT64: 0.1
    case .pandarQT128, .pandarXT16, .pandarXT32: 0.05
    case .pandarXT32M: 0.5
    }
  }

  /// The longest distance nebula keeps for this model, metres.
  public var maximumRange: Float {
    switch self {
    case .pandar40P, .pandar64: 200
    case .pandarQT64: 60
    case .pandarQT128: 50
    case .pandarXT16, .pandarXT32: 120
    case .pandarXT32M: 300
    }
  }

  /// Points one revolution can hold (nebula's `max_scan_buffer_points`): the sweep buffers'
  /// capacity, so a revolution never reallocates them.
  public var pointsPerRevolution: Int {
    switch self {
    case .pandar40P: 144_000
    case .pandar64: 230_400
    case .pandarQT64: 76_800
    case .pandarQT128: 172_800
    case .pandarXT16: 128_000
    case .pandarXT32: 256_000
    case .pandarXT32M: 384_000
    }
  }
}
