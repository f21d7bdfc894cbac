// ros-drivers/velodyne and nebula calibration YAML: `lasers:` is a list of maps, angles in
// radians, lengths in metres (REP-103), optional `num_lasers` and `distance_resolution` (m).
import Foundation
import SightlineLidar
import SightlineVelodyne
import Yams

extension VelodyneCalibration {
  /// Parses a ros-drivers or nebula `.yaml` calibration. `source` names the file in errors.
  public static func corrections(fromYAML text: String, source: String = "YAML calibration")
    throws(CalibrationError) -> Parsed
  {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch {
      // Yams appends a snippet of the file on later lines; the first line says where and what.
      let first = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
      throw .unreadable("\(source): not valid YAML: \(first)")
    }
    guard let root, root.mapping != nil else {
      throw .unreadable("\(source): not a calibration (expected a map with a \"lasers\" list)")
    }
    guard let lasersNode = root["lasers"] else {
      throw .unreadable("\(source): no \"lasers\" key")
    }
    guard let entries = lasersNode.sequence else {
      throw .unreadable("\(source): \"lasers\" is not a list")
    }

    var lasers = [RawLaser]()
    for (index, entry) in entries.enumerated() {
      try lasers.append(laser(entry, index: index, source: source))
    }

    if let node = root["num_lasers"] {
      let declared = try laserCount(node, source: source)
      guard declared == lasers.count else {
        throw .unreadable(
          "\(source): num_lasers is \(declared) but \"lasers\" lists \(lasers.count)")
      }
    }
    var unit: Float?
    if let node = root["distance_resolution"] {
      unit = Float(try number(node, what: "distance_resolution", source: source))
    }
    return try finish(lasers, distanceUnit: unit, source: source)
  }

  private static func laser(_ entry: Node, index: Int, source: String) throws(CalibrationError)
    -> RawLaser
  {
    guard entry.mapping != nil else {
      throw .unreadable("\(source): lasers entry \(index) is not a map")
    }
    guard let idNode = entry["laser_id"] else {
      throw .unreadable("\(source): lasers entry \(index) has no laser_id")
    }
    let id = try laserID(
      idNode.scalar?.string, what: "laser_id of lasers entry \(index)", source: source)
    let name = "laser_id \(id)"

    func required(_ key: String) throws(CalibrationError) -> Double {
      guard let node = entry[key] else {
        throw .unreadable("\(source): \(name) has no \(key)")
      }
      return try number(node, what: "\(key) of \(name)", source: source)
    }
    func optional(_ key: String) throws(CalibrationError) -> Double {
      guard let node = entry[key] else { return 0 }
      return try number(node, what: "\(key) of \(name)", source: source)
    }

    let degreesPerRadian = 180 / Double.pi
    let vertical = try required("vert_correction") * degreesPerRadian
    // ros-drivers computes cos/sin of (azimuth − rot_correction), as our decoder does.
    let rotation = try required("rot_correction") * degreesPerRadian
    let verticalOffset = try optional("vert_offset_correction")
    var distance = [(name: String, meters: Double)]()
    for key in [
      "dist_correction", "dist_correction_x", "dist_correction_y", "horiz_offset_correction",
    ] {
      let meters = try optional(key)
      distance.append((key, meters))
    }
    // focal_distance, focal_slope, min/max_intensity only correct intensity, which is not decoded.
    return RawLaser(
      id: id, verticalDegrees: vertical, rotationDegrees: rotation,
      verticalOffsetMeters: verticalOffset, distanceCorrections: distance)
  }

  private static func number(_ node: Node, what: String, source: String)
    throws(CalibrationError) -> Double
  {
    guard let scalar = node.scalar else {
      throw .unreadable("\(source): \(what) is not a number (found a list or map)")
    }
    return try number(scalar.string, what: what, source: source)
  }

  private static func laserCount(_ node: Node, source: String) throws(CalibrationError) -> Int {
    try laserID(node.scalar?.string, what: "num_lasers", source: source)
  }
}
