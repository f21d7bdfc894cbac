import Foundation
import SightlineCalibration
import SightlineLidar
import SightlineVelodyne
import Testing

/// Copies of the shared calibration files (see Fixtures/LICENSES.md).
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Fixtures")

func fixturePath(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

func fixtureText(_ name: String) throws -> String {
  try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
}

/// The message of the `CalibrationError` that `body` throws, or nil if it does not throw.
/// (Closures are not inferred as typed-throws, hence the cast.)
func failure<T>(_ body: () throws -> T) -> String? {
  do {
    _ = try body()
    return nil
  } catch let error as CalibrationError {
    return error.description
  } catch {
    return "not a CalibrationError: \(error)"
  }
}

let degreesPerRadian = 180 / Double.pi

struct SharedFile: Sendable, CustomStringConvertible {
  var name: String
  var model: VelodyneModel
  var lasers: Int
  var distanceUnit: Float
  var description: String { name }
}

/// Every shared file of a model Sightline decodes.
let sharedFiles: [SharedFile] = [
  SharedFile(name: "HDL-32.xml", model: .hdl32e, lasers: 32, distanceUnit: 0.002),
  SharedFile(name: "VLP-16.xml", model: .vlp16, lasers: 16, distanceUnit: 0.002),
  SharedFile(name: "Puck Hi-Res.xml", model: .puckHiRes, lasers: 16, distanceUnit: 0.002),
  SharedFile(name: "VLP-32c.xml", model: .vlp32c, lasers: 32, distanceUnit: 0.004),
  SharedFile(name: "VLP16db.yaml", model: .vlp16, lasers: 16, distanceUnit: 0.002),
  SharedFile(name: "VLP16_hires_db.yaml", model: .puckHiRes, lasers: 16, distanceUnit: 0.002),
  SharedFile(name: "32db.yaml", model: .hdl32e, lasers: 32, distanceUnit: 0.002),
  SharedFile(name: "VeloView-VLP-32C.yaml", model: .vlp32c, lasers: 32, distanceUnit: 0.004),
  // The file says 0.007; the VLS-128 reports 4 mm units regardless.
  SharedFile(name: "VLS128.yaml", model: .vls128, lasers: 128, distanceUnit: 0.004),
  SharedFile(name: "nebula-VLP16.yaml", model: .vlp16, lasers: 16, distanceUnit: 0.002),
  SharedFile(name: "nebula-VLP32C.yaml", model: .vlp32c, lasers: 32, distanceUnit: 0.004),
  SharedFile(name: "nebula-VLS128.yaml", model: .vls128, lasers: 128, distanceUnit: 0.004),
]

@Test(arguments: sharedFiles)
func sharedFileLoads(_ file: SharedFile) throws {
  let table = try VelodyneCalibration.load(path: fixturePath(file.name), model: file.model)
  #expect(table.model == file.model)
  #expect(table.laserCount == file.lasers)
  #expect(table.distanceUnit == file.distanceUnit)
}

@Test func vls128AnglesMatchTheFile() throws {
  let parsed = try VelodyneCalibration.corrections(fromYAML: fixtureText("VLS128.yaml"))
  #expect(parsed.corrections.count == 128)
  #expect(parsed.distanceUnit == 0.007)  // What the file says; `table` ignores it for VLS-128.
  // laser 0: rot_correction -0.1108982206717197, vert_correction -0.2049365607691742.
  let first = parsed.corrections[0]
  #expect(abs(first.rotationDegrees - -0.1108982206717197 * degreesPerRadian) < 1e-9)
  #expect(abs(first.rotationDegrees - -6.354) < 0.001)
  #expect(abs(first.verticalDegrees - -11.742) < 0.001)
  #expect(first.verticalOffsetMeters == 0)
  // laser 127: rot_correction 0.1108982206717197, vert_correction 0.007504915783575617.
  let last = parsed.corrections[127]
  #expect(abs(last.rotationDegrees - 6.354) < 0.001)
  #expect(abs(last.verticalDegrees - 0.007504915783575617 * degreesPerRadian) < 1e-9)
}

@Test func veloViewXMLValuesMatchTheFile() throws {
  let data = try Data(contentsOf: fixtures.appendingPathComponent("VLP-32c.xml"))
  let parsed = try VelodyneCalibration.corrections(fromXML: data)
  #expect(parsed.corrections.count == 32)  // 64 px entries, 32 enabled.
  #expect(parsed.distanceUnit == 0.004)  // distLSB_ 0.4 cm.
  // id_ 0: rot -1.400, vert -25.000; id_ 1: rot 4.200, vert -1.000; id_ 3: rot 1.400, vert -15.639.
  #expect(parsed.corrections[0].rotationDegrees == -1.4)
  #expect(parsed.corrections[0].verticalDegrees == -25)
  #expect(parsed.corrections[1].rotationDegrees == 4.2)
  #expect(parsed.corrections[1].verticalDegrees == -1)
  #expect(parsed.corrections[3].verticalDegrees == -15.639)

  let puck = try VelodyneCalibration.corrections(
    fromXML: Data(contentsOf: fixtures.appendingPathComponent("Puck Hi-Res.xml")))
  #expect(puck.corrections.prefix(4).map(\.verticalDegrees) == [-10, 0.667, -8.667, 2])
}

/// Same sensor, two formats: VeloView degrees vs ros-drivers radians. Also the sign of rotation:
/// both must give laser 0 at −1.4°, like the built-in VLP-32C table.
@Test func vlp32cXMLAndYAMLAgree() throws {
  let xml = try VelodyneCalibration.corrections(
    fromXML: Data(contentsOf: fixtures.appendingPathComponent("VLP-32c.xml"))
  ).corrections
  let yaml = try VelodyneCalibration.corrections(
    fromYAML: fixtureText("VeloView-VLP-32C.yaml")
  ).corrections
  let nebula = try VelodyneCalibration.corrections(
    fromYAML: fixtureText("nebula-VLP32C.yaml")
  ).corrections
  #expect(xml.count == 32 && yaml.count == 32 && nebula.count == 32)
  for (laser, (x, y)) in zip(xml, yaml).enumerated() {
    #expect(abs(x.verticalDegrees - y.verticalDegrees) < 0.01, "laser \(laser)")
    #expect(abs(x.rotationDegrees - y.rotationDegrees) < 0.01, "laser \(laser)")
    #expect(abs(x.verticalDegrees - nebula[laser].verticalDegrees) < 0.01, "laser \(laser)")
    #expect(abs(x.rotationDegrees - nebula[laser].rotationDegrees) < 0.01, "laser \(laser)")
  }
  #expect(abs(yaml[0].rotationDegrees - -1.4) < 1e-9)
}

@Test func vlp16FilesGiveTheManualAngles() throws {
  let manual: [Double] = [-15, 1, -13, 3, -11, 5, -9, 7, -7, 9, -5, 11, -3, 13, -1, 15]
  for name in ["nebula-VLP16.yaml", "VLP16db.yaml"] {
    let lasers = try VelodyneCalibration.corrections(fromYAML: fixtureText(name)).corrections
    #expect(lasers.count == 16)
    for (laser, expected) in manual.enumerated() {
      #expect(abs(lasers[laser].verticalDegrees - expected) < 1e-9, "\(name) laser \(laser)")
      #expect(lasers[laser].rotationDegrees == 0)
    }
  }
  let xml = try VelodyneCalibration.corrections(
    fromXML: Data(contentsOf: fixtures.appendingPathComponent("VLP-16.xml"))
  ).corrections
  #expect(xml.map(\.verticalDegrees) == manual)
}

@Test func contentChoosesTheFormat() throws {
  let xml = try Data(contentsOf: fixtures.appendingPathComponent("HDL-32.xml"))
  let padded = Data("\n  ".utf8) + xml
  #expect(try VelodyneCalibration.corrections(from: padded).corrections.count == 32)
  let yaml = try VelodyneCalibration.table(
    from: fixtureText("32db.yaml"), model: .hdl32e, source: "32db.yaml")
  #expect(yaml.laserCount == 32)
}

// MARK: - Errors

/// A 16-laser YAML calibration; `laser` returns each entry's fields, given its index.
func vlp16YAML(
  header: String = "num_lasers: 16\ndistance_resolution: 0.002\n",
  laser: (Int) -> String = { id in "laser_id: \(id), rot_correction: 0.0, vert_correction: 0.1" }
) -> String {
  header + "lasers:\n" + (0..<16).map { "- {\(laser($0))}\n" }.joined()
}

@Test func wellFormedSyntheticYAMLLoads() throws {
  let table = try VelodyneCalibration.table(from: vlp16YAML(), model: .vlp16, source: "ok.yaml")
  #expect(table.laserCount == 16)
}

@Test func missingLasersKey() {
  let message = failure {
    try VelodyneCalibration.corrections(fromYAML: "num_lasers: 16\n", source: "a.yaml")
  }
  #expect(message == "a.yaml: no \"lasers\" key")
}

@Test func laserWithoutVerticalCorrection() {
  let text = vlp16YAML { id in
    id == 5
      ? "laser_id: 5, rot_correction: 0.0"
      : "laser_id: \(id), rot_correction: 0.0, vert_correction: 0.1"
  }
  let message = failure { try VelodyneCalibration.corrections(fromYAML: text, source: "b.yaml") }
  #expect(message == "b.yaml: laser_id 5 has no vert_correction")
}

@Test func duplicateLaserID() {
  let text = vlp16YAML { id in
    "laser_id: \(id == 7 ? 6 : id), rot_correction: 0.0, vert_correction: 0.1"
  }
  let message = failure { try VelodyneCalibration.corrections(fromYAML: text, source: "c.yaml") }
  #expect(message == "c.yaml: laser_id 6 appears more than once")
}

@Test func gapInLaserIDs() {
  let text = vlp16YAML { id in
    "laser_id: \(id == 15 ? 16 : id), rot_correction: 0.0, vert_correction: 0.1"
  }
  let message = failure { try VelodyneCalibration.corrections(fromYAML: text, source: "d.yaml") }
  #expect(
    message?.hasPrefix("d.yaml: laser ids must be 0…15 without gaps, but 15 is missing") == true)
}

@Test func nonNumericValues() {
  let yaml = vlp16YAML { id in
    "laser_id: \(id), rot_correction: \(id == 2 ? "left" : "0.0"), vert_correction: 0.1"
  }
  let message = failure { try VelodyneCalibration.corrections(fromYAML: yaml, source: "e.yaml") }
  #expect(message == "e.yaml: rot_correction of laser_id 2 is \"left\", not a finite number")

  let nan = vlp16YAML { id in "laser_id: \(id), rot_correction: .nan, vert_correction: 0.1" }
  #expect(
    failure { try VelodyneCalibration.corrections(fromYAML: nan, source: "f.yaml") }?
      .contains("not a finite number") == true)

  let xml = """
    <?xml version="1.0"?><boost_serialization><DB><distLSB_>0.2</distLSB_>
    <points_><item><px><id_>0</id_><rotCorrection_>0</rotCorrection_>
    <vertCorrection_>up</vertCorrection_></px></item></points_></DB></boost_serialization>
    """
  #expect(
    failure { try VelodyneCalibration.corrections(fromXML: xml, source: "g.xml") }
      == "g.xml: vertCorrection_ of laser 0 is \"up\", not a finite number")
}

@Test func unparseableText() {
  let yaml = failure {
    try VelodyneCalibration.corrections(fromYAML: "lasers: [ {laser_id: 0", source: "h.yaml")
  }
  #expect(yaml?.hasPrefix("h.yaml: not valid YAML: ") == true)
  #expect(yaml?.contains("\n") == false)

  let xml = failure {
    try VelodyneCalibration.corrections(
      fromXML: "<?xml version=\"1.0\"?><boost_serialization><DB>", source: "i.xml")
  }
  #expect(xml?.hasPrefix("i.xml: not valid XML") == true)

  let notCalibration = failure {
    try VelodyneCalibration.corrections(fromXML: "<html><body/></html>", source: "j.xml")
  }
  #expect(notCalibration?.contains("not a VeloView calibration") == true)

  let notAMap = failure { try VelodyneCalibration.corrections(fromYAML: "- 1\n- 2\n") }
  #expect(notAMap?.contains("expected a map") == true)
}

@Test func numLasersMustMatchTheList() {
  let text = vlp16YAML(header: "num_lasers: 32\n")
  #expect(
    failure { try VelodyneCalibration.corrections(fromYAML: text, source: "k.yaml") }
      == "k.yaml: num_lasers is 32 but \"lasers\" lists 16")
}

@Test func distanceCorrectionsAreRejected() {
  for key in ["dist_correction", "horiz_offset_correction", "dist_correction_x"] {
    let text = vlp16YAML { id in
      "laser_id: \(id), rot_correction: 0.0, vert_correction: 0.1, \(key): \(id == 3 ? 0.05 : 0)"
    }
    let message = failure {
      try VelodyneCalibration.corrections(fromYAML: text, source: "l.yaml")
    }
    #expect(
      message == "l.yaml: laser 3 has \(key) 0.05 m; the file uses per-laser distance "
        + "corrections, not supported yet")
  }
}

@Test func modelMustMatchTheLaserCount() {
  let message = failure {
    try VelodyneCalibration.load(path: fixturePath("VLP16db.yaml"), model: .vlp32c)
  }
  #expect(
    message?.hasSuffix("VLP16db.yaml: a VLP-32C has 32 lasers but the calibration describes 16")
      == true)
}

@Test func implausibleAngleNamesTheFile() {
  let text = vlp16YAML { id in
    "laser_id: \(id), rot_correction: 0.0, vert_correction: \(id == 9 ? 2.0 : 0.1)"
  }
  #expect(
    failure { try VelodyneCalibration.table(from: text, model: .vlp16, source: "m.yaml") }
      == "m.yaml: laser 9 has an impossible angle or offset")
}

@Test func hdl64IsRefusedClearly() {
  for model in VelodyneModel.allCases {
    let message = failure {
      try VelodyneCalibration.load(path: fixturePath("HDL-64.xml"), model: model)
    }
    #expect(message?.contains("HDL-64.xml: describes 64 lasers") == true, "\(model)")
    #expect(message?.contains("HDL-64E") == true, "\(model)")
  }
}

/// A 16-laser VeloView XML calibration; `px` returns each entry's elements after `id_`.
func vlp16XML(
  enabled: [Int] = Array(repeating: 1, count: 16) + Array(repeating: 0, count: 48),
  px: (Int) -> String = { _ in
    "<rotCorrection_>0</rotCorrection_><vertCorrection_>1</vertCorrection_>"
  }
) -> String {
  let flags = enabled.map { "<item>\($0)</item>" }.joined()
  let items = (0..<64).map { "<item><px><id_>\($0)</id_>\(px($0))</px></item>" }.joined()
  return """
    <?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
    <!DOCTYPE boost_serialization>
    <boost_serialization signature="serialization::archive" version="4"><DB>
    <distLSB_>0.2</distLSB_><enabled_><count>64</count>\(flags)</enabled_>
    <points_><count>64</count>\(items)</points_></DB></boost_serialization>
    """
}

@Test func veloViewLengthsAreCentimetres() throws {
  let text = vlp16XML { id in
    "<rotCorrection_>-2</rotCorrection_><vertCorrection_>\(id)</vertCorrection_>"
      + "<vertOffsetCorrection_>\(id == 4 ? 10 : 0)</vertOffsetCorrection_>"
  }
  let parsed = try VelodyneCalibration.corrections(fromXML: text)
  #expect(parsed.distanceUnit == 0.002)
  #expect(parsed.corrections.count == 16)  // Only the enabled lasers.
  #expect(parsed.corrections[4].verticalOffsetMeters == 0.1)
  #expect(parsed.corrections[15].verticalDegrees == 15)
  #expect(parsed.corrections[15].rotationDegrees == -2)
}

@Test func veloViewErrors() {
  let distance = vlp16XML { id in
    "<rotCorrection_>0</rotCorrection_><vertCorrection_>1</vertCorrection_>"
      + "<distCorrection_>\(id == 2 ? 5 : 0)</distCorrection_>"
  }
  #expect(
    failure { try VelodyneCalibration.corrections(fromXML: distance, source: "n.xml") }
      == "n.xml: laser 2 has distCorrection_ 0.05 m; the file uses per-laser distance "
      + "corrections, not supported yet")

  let noVertical = vlp16XML { id in
    id == 1
      ? "<rotCorrection_>0</rotCorrection_>"
      : "<rotCorrection_>0</rotCorrection_><vertCorrection_>1</vertCorrection_>"
  }
  #expect(
    failure { try VelodyneCalibration.corrections(fromXML: noVertical, source: "o.xml") }
      == "o.xml: laser 1 has no vertCorrection_")

  var flags = Array(repeating: 1, count: 16) + Array(repeating: 0, count: 48)
  flags[3] = 0
  flags[20] = 1
  #expect(
    failure {
      try VelodyneCalibration.corrections(fromXML: vlp16XML(enabled: flags), source: "p.xml")
    }?
    .contains("laser 3 is disabled") == true)

  let duplicate = vlp16XML().replacingOccurrences(of: "<id_>9</id_>", with: "<id_>8</id_>")
  #expect(
    failure { try VelodyneCalibration.corrections(fromXML: duplicate, source: "q.xml") }
      == "q.xml: laser id_ 8 appears more than once")

  let missing = vlp16XML().replacingOccurrences(of: "<id_>9</id_>", with: "<id_>99</id_>")
  #expect(
    failure { try VelodyneCalibration.corrections(fromXML: missing, source: "r.xml") }
      == "r.xml: no points_ entry for laser 9 (enabled_ enables 16 lasers)")
}

@Test func missingFile() {
  let message = failure {
    try VelodyneCalibration.load(path: "/nonexistent/cal.yaml", model: .vlp16)
  }
  #expect(message?.hasPrefix("/nonexistent/cal.yaml: cannot read the file") == true)
}
