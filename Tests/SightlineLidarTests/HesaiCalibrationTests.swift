import Foundation
import SightlineHesai
import SightlineLidar
import Testing

@Suite struct HesaiCalibrationTests {
  static let qt64 =
    (try? String(
      contentsOf: sharedLidarData.appendingPathComponent("calibration/hesai-PandarQT64.csv"),
      encoding: .utf8)) ?? ""

  /// Every CSV nebula ships loads for its model, all lines used.
  @Test(arguments: HesaiModel.allCases)
  func theVendorCalibrationsLoad(_ model: HesaiModel) throws {
    let calibration = try hesaiCalibration(model)
    #expect(calibration.model == model)
    #expect(calibration.elevationDegrees.count == model.laserCount)
    #expect(calibration.azimuthOffsetDegrees.count == model.laserCount)
    #expect(calibration.skippedLines.isEmpty)
  }

  @Test func valuesAreReadPerLaser() throws {
    let calibration = try HesaiCalibration(csv: Self.qt64, model: .pandarQT64)
    #expect(calibration.elevationDegrees[0] == -52.121)
    #expect(calibration.azimuthOffsetDegrees[0] == 8.736)
    #expect(calibration.elevationDegrees[3] == -45.477)
  }

  @Test func aMissingLaserIsAnError() throws {
    var lines = Self.qt64.split(separator: "\n", omittingEmptySubsequences: false)
    try #require(lines.count == 66)
    lines.remove(at: 10)  // laser 10
    #expect(throws: HesaiCalibrationError.missingLasers(model: .pandarQT64, ids: [10])) {
      try HesaiCalibration(csv: lines.joined(separator: "\n"), model: .pandarQT64)
    }
  }

  @Test func anExtraLaserIsAnError() throws {
    let text = Self.qt64 + "\n65,1.0,0.5\n"
    #expect(throws: HesaiCalibrationError.extraLasers(model: .pandarQT64, ids: [65])) {
      try HesaiCalibration(csv: text, model: .pandarQT64)
    }
  }

  /// A QT64 table is not a 40P's: 24 lasers too many.
  @Test func anotherModelsTableIsAnError() throws {
    #expect(throws: HesaiCalibrationError.extraLasers(model: .pandar40P, ids: Array(41...64))) {
      try HesaiCalibration(csv: Self.qt64, model: .pandar40P)
    }
  }

  @Test func aLaserGivenTwiceIsAnError() throws {
    let text = Self.qt64 + "\n3,1.0,0.5\n"
    #expect(throws: HesaiCalibrationError.duplicateLaser(id: 3, line: 67)) {
      try HesaiCalibration(csv: text, model: .pandarQT64)
    }
  }

  /// As nebula's loader: lines without exactly three fields, or that do not parse, are skipped
  /// (and then missing); the header is always the first line; blank lines and CRLF are fine.
  @Test func badLinesAreSkippedAndReported() throws {
    var lines = Self.qt64.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    try #require(lines.count == 66)
    lines[5] = "5,-43.4,7.4,99"  // four fields
    lines[6] = "6,abc,7.2"  // not a number
    lines[7] = "7;-40.0;7.0"  // wrong separator
    lines[8] = "8,95,0"  // no sensor looks 95° up
    #expect(
      throws: HesaiCalibrationError.missingLasers(model: .pandarQT64, ids: [5, 6, 7, 8])
    ) {
      try HesaiCalibration(csv: lines.joined(separator: "\n"), model: .pandarQT64)
    }
    let crlf = Self.qt64.split(separator: "\n").joined(separator: "\r\n") + "\r\n\r\n"
    let calibration = try HesaiCalibration(csv: crlf, model: .pandarQT64)
    #expect(calibration.skippedLines.isEmpty)
    #expect(calibration.azimuthOffsetDegrees[63] != 0)
    let skipping = lines.enumerated().map { $0.offset == 9 ? "nonsense" : $0.element }
    let text =
      (skipping + ["5,-43.4,7.4", "6,-41.5,7.2", "7,-40.0,7.0", "8,-38.3,6.8", "9,-36.6,6.6"])
    let loaded = try HesaiCalibration(csv: text.joined(separator: "\n"), model: .pandarQT64)
    #expect(loaded.skippedLines == [6, 7, 8, 9, 10])
  }

  @Test func errorsSayWhatIsWrong() {
    let error = HesaiCalibrationError.missingLasers(model: .pandarQT64, ids: [5, 6])
    #expect(
      error.description == "the calibration has no line for lasers 5, 6 of PandarQT64's 64 lasers")
  }

  @Test func modelsAreFoundByName() {
    #expect(HesaiModel(name: "qt64") == .pandarQT64)
    #expect(HesaiModel(name: "PandarXT-32M") == .pandarXT32M)
    #expect(HesaiModel(name: "Pandar40P") == .pandar40P)
    #expect(HesaiModel(name: "OS1") == nil)
  }
}
