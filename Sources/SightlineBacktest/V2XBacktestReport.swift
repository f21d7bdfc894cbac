import Foundation

/// What `sightline v2x backtest` found: per sender and pooled, per horizon; printed as a table
/// or as one JSON object (`--json`, keys in docs/BACKTEST.md).
public struct V2XBacktestReport: Sendable, Encodable {
  /// One horizon's scores. Distances in metres; nil (JSON null) when n is 0.
  public struct Horizon: Sendable, Encodable {
    public var horizonMilliseconds: Int
    /// Pairs scored (both ends fresh, not a GNSS stall).
    public var n: Int
    public var medianError: Double?
    public var p95Error: Double?
    /// Fraction of targets inside the prediction's 95 % ellipse, the covariance being the
    /// extrapolation's plus the target's own reported accuracy.
    public var coverage95: Double?
    /// The same with the motion part of the covariance only (no accuracy at either end).
    public var coverage95MotionOnly: Double?
    public var medianErrorNoExtrapolation: Double?
    public var medianErrorConstantVelocity: Double?
    /// Pairs in the window left out because one end is a GNSS stall.
    public var excludedStalled: Int
    /// Which model the runtime chose for the scored pairs.
    public var models: [String: Int]

    enum CodingKeys: String, CodingKey {
      case horizonMilliseconds = "horizon_ms"
      case n
      case medianError = "median_error_m"
      case p95Error = "p95_error_m"
      case coverage95 = "coverage_95"
      case coverage95MotionOnly = "coverage_95_motion_only"
      case medianErrorNoExtrapolation = "median_error_m_no_extrapolation"
      case medianErrorConstantVelocity = "median_error_m_constant_velocity"
      case excludedStalled = "n_excluded_gnss_stall"
      case models
    }

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(horizonMilliseconds, forKey: .horizonMilliseconds)
      try c.encode(n, forKey: .n)
      try c.encode(Self.rounded(medianError), forKey: .medianError)
      try c.encode(Self.rounded(p95Error), forKey: .p95Error)
      try c.encode(Self.rounded(coverage95), forKey: .coverage95)
      try c.encode(Self.rounded(coverage95MotionOnly), forKey: .coverage95MotionOnly)
      try c.encode(Self.rounded(medianErrorNoExtrapolation), forKey: .medianErrorNoExtrapolation)
      try c.encode(
        Self.rounded(medianErrorConstantVelocity), forKey: .medianErrorConstantVelocity)
      try c.encode(excludedStalled, forKey: .excludedStalled)
      try c.encode(models, forKey: .models)
    }

    /// Four decimals (0.1 mm, 0.01 %): stable text, nothing lost that matters.
    static func rounded(_ value: Double?) -> Double? {
      value.map { $0.isFinite ? ($0 * 10_000).rounded() / 10_000 : $0 }
    }
  }

  /// One sender (temporary id, 8 hex digits).
  public struct Sender: Sendable, Encodable {
    public var id: String
    public var kind: String
    /// Messages placed on its time line (after duplicates).
    public var messages: Int
    public var duplicates: Int
    /// Stretches with no gap over 10 s (nor, in file order, a step back over 1 s).
    public var runs: Int
    public var gnssStalls: Int
    /// The file's line numbers of the stalled messages.
    public var gnssStallLines: [Int]
    public var horizons: [Horizon]

    enum CodingKeys: String, CodingKey {
      case id, kind, messages, duplicates, runs, horizons
      case gnssStalls = "gnss_stalls"
      case gnssStallLines = "gnss_stall_lines"
    }
  }

  public var file: String
  public var timeSource: V2XBacktest.TimeSource
  /// Lines that are neither empty nor comments.
  public var lines: Int
  /// BSMs and PSMs decoded with a time and a position.
  public var messages: Int
  public var skipped: [V2XBacktestLines.Skip: Int]
  public var horizonsMilliseconds: [Int]
  public var duplicates = 0
  public var gnssStalls = 0
  public var senders: [Sender] = []
  /// Every sender's pairs pooled.
  public var horizons: [Horizon] = []

  public var skippedLines: Int { skipped.values.reduce(0, +) }

  init(
    file: String, timeSource: V2XBacktest.TimeSource, lines: Int, messages: Int,
    skipped: [V2XBacktestLines.Skip: Int], horizonsMilliseconds: [Int]
  ) {
    self.file = file
    self.timeSource = timeSource
    self.lines = lines
    self.messages = messages
    self.skipped = skipped
    self.horizonsMilliseconds = horizonsMilliseconds
  }

  enum CodingKeys: String, CodingKey {
    case file, lines, messages, duplicates, senders, horizons, skipped
    case timeSource = "time_source"
    case skippedLines = "skipped_lines"
    case gnssStalls = "gnss_stalls"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(file, forKey: .file)
    try c.encode(timeSource.rawValue, forKey: .timeSource)
    try c.encode(lines, forKey: .lines)
    try c.encode(messages, forKey: .messages)
    try c.encode(duplicates, forKey: .duplicates)
    try c.encode(skippedLines, forKey: .skippedLines)
    try c.encode(
      Dictionary(uniqueKeysWithValues: skipped.map { ($0.key.rawValue, $0.value) }),
      forKey: .skipped)
    try c.encode(gnssStalls, forKey: .gnssStalls)
    try c.encode(senders, forKey: .senders)
    try c.encode(horizons, forKey: .horizons)
  }

  /// The one JSON object (`--json`), keys sorted.
  public func json() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
  }

  /// The human table: a heading, then a row per sender and horizon with pairs, then the pooled
  /// rows. "motion" is the coverage of the motion part of the covariance alone.
  public func table() -> [String] {
    var lines = [
      "v2x backtest \(file)",
      "\(self.lines) lines, \(messages) BSM/PSM messages, \(senders.count) senders,"
        + " \(duplicates) duplicates",
      "time: "
        + (timeSource == .receiveTime
          ? "secMark placed by each entry's receive time (t_ns)"
          : "secMark unwrapped along each sender's messages in file order (no receive times)"),
      "skipped lines: \(skippedLines)"
        + (skipped.isEmpty
          ? ""
          : " ("
            + skipped.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }
            .joined(separator: ", ") + ")"),
      "GNSS stalls: \(gnssStalls) (position unchanged while speed × Δt ≥"
        + " \(Self.format(V2XBacktest.stallMinimumMetres, 1)) m; neither source nor target)",
      "",
      Self.row(
        [
          "sender", "kind", "horizon", "n", "median m", "p95 m", "cov95", "motion", "no-extrap m",
          "CV m",
        ]),
    ]
    for sender in senders {
      for h in sender.horizons where h.n > 0 {
        lines.append(Self.row([sender.id, sender.kind] + Self.cells(h)))
      }
    }
    for h in horizons {
      lines.append(Self.row(["all", ""] + Self.cells(h)))
    }
    return lines
  }

  private static func cells(_ h: Horizon) -> [String] {
    [
      "\(h.horizonMilliseconds) ms", "\(h.n)", format(h.medianError, 3), format(h.p95Error, 3),
      format(h.coverage95, 3), format(h.coverage95MotionOnly, 3),
      format(h.medianErrorNoExtrapolation, 3),
      format(h.medianErrorConstantVelocity, 3),
    ]
  }

  private static let widths = [9, 10, 8, 5, 9, 9, 6, 6, 12, 8]

  private static func row(_ cells: [String]) -> String {
    zip(cells, widths).enumerated().map { index, pair in
      let (cell, width) = pair
      let padding = String(repeating: " ", count: max(0, width - cell.count))
      return index < 2 ? cell + padding : padding + cell
    }.joined(separator: " ")
  }

  private static func format(_ value: Double?, _ decimals: Int) -> String {
    guard let value else { return "-" }
    return String(format: "%.\(decimals)f", value)
  }
}
