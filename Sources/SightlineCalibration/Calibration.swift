// SightlineCalibration: Velodyne calibration file text (VeloView `.xml`, ros-drivers or nebula
// `.yaml`) → per-laser corrections → a `LaserTable` for the decoder. Pure: functions take the
// file's bytes; `load(path:model:)` is the one convenience that reads a file.
import Foundation
import SightlineLidar
import SightlineVelodyne

public enum VelodyneCalibration {
  /// What a calibration file describes: lasers ordered by id, and the distance unit in metres
  /// if the file states one.
  public typealias Parsed = (corrections: [LaserCorrection], distanceUnit: Float?)

  /// Reads a calibration file and builds the table for `model`. XML if the text starts with `<`,
  /// YAML otherwise. Errors name `path`.
  public static func load(path: String, model: VelodyneModel) throws(CalibrationError)
    -> LaserTable
  {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw .unreadable("\(path): cannot read the file (\(error.localizedDescription))")
    }
    return try table(from: data, model: model, source: path)
  }

  /// Builds the table for `model` from a calibration file's bytes (XML or YAML, by content).
  /// `source` names the file in error messages.
  public static func table(
    from data: Data, model: VelodyneModel, source: String = "calibration"
  ) throws(CalibrationError) -> LaserTable {
    try table(from: corrections(from: data, source: source), model: model, source: source)
  }

  /// Builds the table for `model` from a calibration file's text (XML or YAML, by content).
  public static func table(
    from text: String, model: VelodyneModel, source: String = "calibration"
  ) throws(CalibrationError) -> LaserTable {
    try table(from: Data(text.utf8), model: model, source: source)
  }

  /// Builds the table from parsed corrections; the laser count must match `model`.
  public static func table(
    from parsed: Parsed, model: VelodyneModel, source: String = "calibration"
  ) throws(CalibrationError) -> LaserTable {
    // The VLS-128 reports distance in 4 mm units whatever its calibration says: ros-drivers and
    // nebula ship `distance_resolution: 0.007` in their VLS-128 tables and ignore it
    // (VLS128_DISTANCE_RESOLUTION = 0.004). Other models use the file's value, as ros-drivers does.
    let unit = model == .vls128 ? nil : parsed.distanceUnit
    do {
      return try LaserTable(model: model, corrections: parsed.corrections, distanceUnit: unit)
    } catch {
      // LaserTable's own errors do not know the file; name it.
      throw .unreadable("\(source): \(error)")
    }
  }

  /// Parses either format, chosen by content: XML if the first non-blank character is `<`.
  public static func corrections(from data: Data, source: String = "calibration")
    throws(CalibrationError) -> Parsed
  {
    isXML(data)
      ? try corrections(fromXML: data, source: source)
      : try corrections(fromYAML: text(of: data, source: source), source: source)
  }

  /// True if the bytes look like XML (`<?xml` or any `<` after an optional BOM and blanks).
  static func isXML(_ data: Data) -> Bool {
    var bytes = data[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    let first = bytes.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
    return first == UInt8(ascii: "<")
  }

  static func text(of data: Data, source: String) throws(CalibrationError) -> String {
    guard let text = String(data: data, encoding: .utf8) else {
      throw .unreadable("\(source): not UTF-8 text")
    }
    return text
  }
}

/// One laser as read from either format, before validation. Angles in degrees, lengths in metres.
struct RawLaser {
  var id: Int
  var verticalDegrees: Double
  var rotationDegrees: Double
  var verticalOffsetMeters: Double
  /// dist_correction, dist_correction_x, dist_correction_y and horiz_offset_correction, by name.
  var distanceCorrections: [(name: String, meters: Double)]
}

extension VelodyneCalibration {
  /// Laser counts of the models the decoder knows.
  static var supportedLaserCounts: [Int] {
    Array(Set(VelodyneModel.allCases.map { LaserTable.builtIn(for: $0).laserCount })).sorted()
  }

  /// Checks ids, the laser count and unsupported corrections, and orders lasers by id.
  static func finish(_ lasers: [RawLaser], distanceUnit: Float?, source: String)
    throws(CalibrationError) -> Parsed
  {
    guard !lasers.isEmpty else { throw .unreadable("\(source): describes no lasers") }
    var byID = [Int: RawLaser]()
    for laser in lasers {
      guard byID.updateValue(laser, forKey: laser.id) == nil else {
        throw .unreadable("\(source): laser_id \(laser.id) appears more than once")
      }
    }
    if let missing = (0..<lasers.count).first(where: { byID[$0] == nil }) {
      throw .unreadable(
        "\(source): laser ids must be 0…\(lasers.count - 1) without gaps, but \(missing) is missing"
      )
    }
    // Before the distance check: an HDL-64E table has those too, and its real problem is the model.
    let supported = supportedLaserCounts
    guard supported.contains(lasers.count) else {
      let hint =
        lasers.count == 64 ? " (64 lasers is an HDL-64E, which Sightline does not decode)" : ""
      throw .unreadable(
        "\(source): describes \(lasers.count) lasers\(hint); supported models have "
          + supported.map(String.init).joined(separator: ", ") + " lasers")
    }
    if let unit = distanceUnit, !(unit.isFinite && unit > 0 && unit < 0.1) {
      throw .unreadable("\(source): distance resolution \(unit) m is not plausible")
    }
    var corrections = [LaserCorrection]()
    corrections.reserveCapacity(lasers.count)
    for id in 0..<lasers.count {
      guard let laser = byID[id] else { continue }  // Checked above: ids are 0..<count.
      if let bad = laser.distanceCorrections.first(where: { $0.meters != 0 }) {
        throw .unreadable(
          "\(source): laser \(id) has \(bad.name) \(bad.meters) m; the file uses per-laser "
            + "distance corrections, not supported yet")
      }
      corrections.append(
        LaserCorrection(
          verticalDegrees: laser.verticalDegrees, rotationDegrees: laser.rotationDegrees,
          verticalOffsetMeters: laser.verticalOffsetMeters))
    }
    return (corrections, distanceUnit)
  }

  /// A number from a file: plain decimal, finite. Both formats' number text goes through here.
  static func number(_ text: String?, what: String, source: String) throws(CalibrationError)
    -> Double
  {
    let trimmed = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    guard let value = Double(trimmed), value.isFinite else {
      throw .unreadable("\(source): \(what) is \"\(trimmed)\", not a finite number")
    }
    return value
  }

  /// A laser id: a whole number (VeloView's HDL-64 file writes `1.0`).
  static func laserID(_ text: String?, what: String, source: String) throws(CalibrationError)
    -> Int
  {
    let value = try number(text, what: what, source: source)
    guard value >= 0, value < 1024, value == value.rounded() else {
      throw .unreadable("\(source): \(what) is \(value), not a laser number")
    }
    return Int(value)
  }
}
