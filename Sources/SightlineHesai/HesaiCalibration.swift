/// A Hesai angle calibration, from the CSV text the vendor and nebula ship: a header line
/// ("Laser id,Elevation,Azimuth" or "Channel,Elevation,Azimuth"), then one line per laser with
/// its 1-based id, its elevation in degrees and its azimuth offset in degrees (added to the
/// block's azimuth). As nebula's loader does, the first line is always taken as the header and
/// any line that does not have exactly three comma-separated fields, or does not parse, is
/// skipped (and listed in `skippedLines`), as is an angle no sensor has (|elevation| > 90°,
/// |azimuth offset| ≥ 360°). The lasers must then be exactly 1...N for the model.
public struct HesaiCalibration: Sendable, Equatable {
  public let model: HesaiModel
  /// Per laser (index = id − 1), degrees.
  public let elevationDegrees: [Float]
  public let azimuthOffsetDegrees: [Float]
  /// 1-based line numbers of the lines skipped (blank lines are not listed).
  public let skippedLines: [Int]

  public init(csv text: String, model: HesaiModel) throws(HesaiCalibrationError) {
    var rows: [Int: (elevation: Float, azimuth: Float)] = [:]
    var skipped: [Int] = []
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    for (index, line) in lines.enumerated().dropFirst() {
      let trimmed = line.trimmingWhitespace
      guard !trimmed.isEmpty else { continue }
      guard let row = Self.row(trimmed) else {
        skipped.append(index + 1)
        continue
      }
      guard rows[row.id] == nil else { throw .duplicateLaser(id: row.id, line: index + 1) }
      rows[row.id] = (row.elevation, row.azimuth)
    }
    try Self.checkLasers(Set(rows.keys), model: model)
    self.model = model
    elevationDegrees = (1...model.laserCount).map { rows[$0]!.elevation }
    azimuthOffsetDegrees = (1...model.laserCount).map { rows[$0]!.azimuth }
    skippedLines = skipped
  }

  private static func row(_ line: Substring) -> (id: Int, elevation: Float, azimuth: Float)? {
    let fields = line.split(separator: ",", omittingEmptySubsequences: false)
    guard fields.count == 3, let id = Int(fields[0].trimmingWhitespace),
      let elevation = Float(fields[1].trimmingWhitespace),
      let azimuth = Float(fields[2].trimmingWhitespace), abs(elevation) <= 90, abs(azimuth) < 360
    else { return nil }
    return (id, elevation, azimuth)
  }

  private static func checkLasers(_ ids: Set<Int>, model: HesaiModel) throws(HesaiCalibrationError)
  {
    let expected = Set(1...model.laserCount)
    let extra = ids.subtracting(expected).sorted()
    if !extra.isEmpty { throw .extraLasers(model: model, ids: extra) }
    let missing = expected.subtracting(ids).sorted()
    if !missing.isEmpty { throw .missingLasers(model: model, ids: missing) }
  }
}

/// Why a calibration CSV does not fit its model.
public enum HesaiCalibrationError: Error, Equatable, CustomStringConvertible {
  /// Lasers of the model with no line (every line skipped counts as missing).
  case missingLasers(model: HesaiModel, ids: [Int])
  /// Lines for lasers the model does not have.
  case extraLasers(model: HesaiModel, ids: [Int])
  /// A laser given twice.
  case duplicateLaser(id: Int, line: Int)

  public var description: String {
    switch self {
    case .missingLasers(let model, let ids):
      "the calibration has no line for \(Self.list(ids)) of \(model)'s \(model.laserCount) lasers"
    case .extraLasers(let model, let ids):
      "the calibration has lines for \(Self.list(ids)), but \(model) has lasers 1...\(model.laserCount)"
    case .duplicateLaser(let id, let line):
      "laser \(id) is given twice (again on line \(line))"
    }
  }

  private static func list(_ ids: [Int]) -> String {
    let shown = ids.prefix(8).map(String.init).joined(separator: ", ")
    let more = ids.count > 8 ? " and \(ids.count - 8) more" : ""
    return (ids.count == 1 ? "laser " : "lasers ") + shown + more
  }
}

extension Substring {
  fileprivate var trimmingWhitespace: Substring {
    let isSpace: (Character) -> Bool = { $0.isWhitespace }
    guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
    let last = lastIndex(where: { !isSpace($0) })!
    return self[first...last]
  }
}
