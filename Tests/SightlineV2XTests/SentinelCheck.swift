import Testing

/// Checks SI conversions over generated vectors: a raw sentinel must become nil, any other raw
/// value must convert to `expected`. Counts the sentinels hit, so a test can require that every
/// sentinel was exercised.
struct SentinelCheck {
  private(set) var hits: [String: Int] = [:]

  mutating func callAsFunction(
    _ name: String, _ raw: Bool, _ value: Double?, _ expected: @autoclosure () -> Double
  ) {
    if raw {
      hits[name, default: 0] += 1
      #expect(value == nil, "\(name) sentinel must be nil")
    } else if let value {
      #expect(abs(value - expected()) < 1e-9, "\(name)")
    } else {
      Issue.record("\(name) is nil without a sentinel")
    }
  }

  /// Counts an event that is not a conversion (for example a leap second).
  mutating func count(_ name: String) { hits[name, default: 0] += 1 }

  func expectEveryHit(_ names: [String], what: String) {
    for name in names {
      #expect(hits[name, default: 0] > 0, "no generated \(what) hits the \(name) sentinel")
    }
  }
}
