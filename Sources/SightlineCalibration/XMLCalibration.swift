// VeloView calibration XML (boost serialization of its `DB`): angles in degrees, lengths in
// centimetres. Conventions checked against ros-drivers' gen_calibration.py, which converts these
// files to its YAML: rotCorrection_ and vertCorrection_ become radians with the same sign, every
// length (distCorrection*, vert/horizOffsetCorrection_, distLSB_) is multiplied by 0.01. The
// laser count is the number of set `enabled_` items, as VeloView counts it: the files always
// list 64 `px` entries.
import Foundation
import SightlineLidar
import SightlineVelodyne

#if canImport(FoundationXML)
  import FoundationXML
#endif

extension VelodyneCalibration {
  /// Parses a VeloView `.xml` calibration. `source` names the file in errors.
  public static func corrections(fromXML data: Data, source: String = "XML calibration")
    throws(CalibrationError) -> Parsed
  {
    let root = try XMLTree.parse(data, source: source)
    guard root.name == "boost_serialization", let db = root.first("DB") else {
      throw .unreadable(
        "\(source): not a VeloView calibration (no boost_serialization/DB element)")
    }
    let metersPerCentimeter = 0.01
    var unit: Float?
    if let lsb = db.first("distLSB_") {
      unit = Float(try number(lsb.text, what: "distLSB_", source: source) * metersPerCentimeter)
    }
    guard let points = db.first("points_") else {
      throw .unreadable("\(source): no points_ element (the per-laser table)")
    }

    var pxByID = [Int: XMLTree]()
    for (index, item) in points.all("item").enumerated() {
      guard let px = item.first("px") else {
        throw .unreadable("\(source): points_ item \(index) has no px")
      }
      let id = try laserID(
        px.first("id_")?.text, what: "id_ of points_ item \(index)", source: source)
      guard pxByID.updateValue(px, forKey: id) == nil else {
        throw .unreadable("\(source): laser id_ \(id) appears more than once")
      }
    }

    let count: Int
    if let enabled = db.first("enabled_") {
      var flags = [Bool]()
      for (index, item) in enabled.all("item").enumerated() {
        flags.append(try number(item.text, what: "enabled_ item \(index)", source: source) != 0)
      }
      count = flags.filter { $0 }.count
      // Decoding maps channel n to laser n, so only a leading run of enabled lasers makes sense.
      if let gap = flags.prefix(count).firstIndex(of: false) {
        throw .unreadable(
          "\(source): enabled_ enables \(count) lasers but laser \(gap) is disabled; "
            + "only the first lasers may be enabled")
      }
    } else {
      count = pxByID.count
    }

    var lasers = [RawLaser]()
    for id in 0..<count {
      guard let px = pxByID[id] else {
        throw .unreadable(
          "\(source): no points_ entry for laser \(id) (enabled_ enables \(count) lasers)")
      }
      let name = "laser \(id)"
      func required(_ tag: String) throws(CalibrationError) -> Double {
        guard let element = px.first(tag) else {
          throw .unreadable("\(source): \(name) has no \(tag)")
        }
        return try number(element.text, what: "\(tag) of \(name)", source: source)
      }
      func optional(_ tag: String) throws(CalibrationError) -> Double {
        guard let element = px.first(tag) else { return 0 }
        return try number(element.text, what: "\(tag) of \(name)", source: source)
      }
      let vertical = try required("vertCorrection_")
      let rotation = try required("rotCorrection_")
      let verticalOffset = try optional("vertOffsetCorrection_") * metersPerCentimeter
      var distance = [(name: String, meters: Double)]()
      for tag in [
        "distCorrection_", "distCorrectionX_", "distCorrectionY_", "horizOffsetCorrection_",
      ] {
        let meters = try optional(tag) * metersPerCentimeter
        distance.append((tag, meters))
      }
      // focalDistance_ and focalSlope_ only correct intensity, which is not decoded.
      lasers.append(
        RawLaser(
          id: id, verticalDegrees: vertical, rotationDegrees: rotation,
          verticalOffsetMeters: verticalOffset, distanceCorrections: distance))
    }
    return try finish(lasers, distanceUnit: unit, source: source)
  }

  /// Parses VeloView XML given as text.
  public static func corrections(fromXML text: String, source: String = "XML calibration")
    throws(CalibrationError) -> Parsed
  {
    try corrections(fromXML: Data(text.utf8), source: source)
  }
}

/// A small element tree: enough to walk VeloView's files, which are under 50 kB.
struct XMLTree {
  var name: String
  var text = ""
  var children = [XMLTree]()

  func first(_ name: String) -> XMLTree? { children.first { $0.name == name } }
  func all(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }

  static func parse(_ data: Data, source: String) throws(CalibrationError) -> XMLTree {
    // Blanks before `<?xml` are invalid XML, but harmless: drop them (and a BOM) first.
    var bytes = data[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    let parser = XMLParser(data: Data(bytes.drop { [0x20, 0x09, 0x0A, 0x0D].contains($0) }))
    let builder = Builder()
    parser.delegate = builder
    // Never fetch the DTD or entities a file names.
    parser.shouldResolveExternalEntities = false
    guard parser.parse(), let root = builder.root else {
      // Foundation on Linux gives no text for these, only libxml2's error code.
      let reason = parser.parserError.map { "parser error \(($0 as NSError).code)" }
      throw .unreadable(
        "\(source): not valid XML (\(reason ?? "no root element") near line \(parser.lineNumber))"
      )
    }
    return root
  }

  private final class Builder: NSObject, XMLParserDelegate {
    var open = [XMLTree]()
    var root: XMLTree?

    func parser(
      _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
      qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
      open.append(XMLTree(name: elementName))
    }

    func parser(
      _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
      qualifiedName qName: String?
    ) {
      guard let element = open.popLast() else { return }
      if open.isEmpty {
        root = element
      } else {
        open[open.count - 1].children.append(element)
      }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
      guard !open.isEmpty else { return }
      open[open.count - 1].text += string
    }
  }
}
