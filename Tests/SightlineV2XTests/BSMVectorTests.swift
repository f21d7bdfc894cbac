// BSM vectors: every real and generated BSM decodes and its V2XJSON `coreData` equals the
// expected object exactly; Part II ids and regional presence match; SI view sentinels.

import Foundation
import Testing

@testable import SightlineV2X

@Suite struct BSMVectorTests {
  /// Decodes every vector of a file and compares the JSON contract; returns the pass count.
  private func checkFile(_ name: String) throws -> (passed: Int, total: Int) {
    let vectors = try V2XFixtures.jsonl(name)
    var passed = 0
    var reported = 0
    for (index, vector) in vectors.enumerated() {
      let bytes = V2XFixtures.bytes(hex: vector["hex"] as! String)
      var problems: [String] = []
      switch V2XFixtures.decode(bytes) {
      case .failure(let error):
        problems.append("decode failed: \(error)")
      case .success(let frame):
        let line = try V2XFixtures.object(V2XJSON.line(for: frame))
        if line["type"] as? String != "BSM" || line["messageId"] as? Int != 20 {
          problems.append("not a BSM: \(line["type"] ?? "nil")")
        }
        if !V2XFixtures.equal(line["coreData"], vector["coreData"]) {
          problems.append("coreData \(line["coreData"] ?? "nil") != \(vector["coreData"]!)")
        }
        if let ids = vector["partII_ids"] as? [Int], line["partII"] as? [Int] != ids {
          problems.append("partII \(line["partII"] ?? "nil") != \(ids)")
        }
        if let hasPartII = vector["hasPartII"] as? Bool,
          ((line["partII"] as? [Int])?.isEmpty == false) != hasPartII
        {
          problems.append("hasPartII != \(hasPartII)")
        }
        if line["regional"] as? Bool != vector["hasRegional"] as? Bool {
          problems.append("regional != \(vector["hasRegional"]!)")
        }
        if frame.consumedBytes != bytes.count {
          problems.append("consumed \(frame.consumedBytes) of \(bytes.count)")
        }
      }
      if problems.isEmpty {
        passed += 1
      } else if reported < 5 {
        reported += 1
        Issue.record("\(name)[\(index)]: \(problems.joined(separator: "; "))")
      }
    }
    return (passed, vectors.count)
  }

  @Test func realBSMVectors() throws {
    let result = try checkFile("bsm-real.jsonl")
    #expect(result.total == 993)
    #expect(result.passed == result.total)
  }

  @Test func generatedBSMVectors() throws {
    let result = try checkFile("bsm-generated.jsonl")
    #expect(result.total == 150)
    #expect(result.passed == result.total)
  }

  @Test func realVectorConvertsToSI() throws {
    let vector = try #require(V2XFixtures.jsonl("bsm-real.jsonl").first)
    let frame = try V2XFixtures.decode(V2XFixtures.bytes(hex: vector["hex"] as! String)).get()
    guard case .bsm(let bsm) = frame.body else {
      Issue.record("expected a BSM")
      return
    }
    let core = bsm.coreData
    #expect(core.speed == 14 && core.heading == 25060)
    let si = BSMSIView(core)
    #expect(abs(si.speedMetresPerSecond! - 0.28) < 1e-12)
    #expect(abs(si.headingDegrees! - 313.25) < 1e-9)
    #expect(abs(si.headingRadians! - 313.25 * .pi / 180) < 1e-12)
    #expect(abs(si.latitudeDegrees! - 40.5659938) < 1e-12)
    #expect(abs(si.longitudeDegrees! - -105.0317754) < 1e-12)
    #expect(abs(si.elevationMetres! - 1440.9) < 1e-9)
    #expect(abs(si.time!.seconds - 25.399) < 1e-12 && !si.time!.isLeapSecond)
    #expect(abs(si.accuracy.semiMajor! - 9.3) < 1e-12)
    #expect(si.accuracy.orientationDegrees == nil)  // 65535
    #expect(si.transmission == nil)  // 7
    #expect(si.steeringAngleDegrees == nil)  // 127
    #expect(abs(si.acceleration.longitudinal! - 0.27) < 1e-12)
    #expect(abs(si.widthMetres! - 1.9) < 1e-12 && abs(si.lengthMetres! - 5.7) < 1e-12)
    let line = try V2XFixtures.object(V2XJSON.line(for: frame))
    // The comparison used for every vector does see a one-value difference.
    var altered = try #require(vector["coreData"] as? [String: Any])
    #expect(V2XFixtures.equal(line["coreData"], altered))
    altered["speed"] = 15
    #expect(!V2XFixtures.equal(line["coreData"], altered))
    let siObject = try #require(line["si"] as? [String: Any])
    #expect(siObject["transmission"] is NSNull)
    #expect(abs((siObject["speedMps"] as! Double) - 0.28) < 1e-12)
  }

  /// Over all generated vectors: each sentinel becomes nil, every other value converts; and
  /// each sentinel is hit by at least one vector.
  @Test func generatedSentinelsBecomeNil() throws {
    var check = SentinelCheck()
    for vector in try V2XFixtures.jsonl("bsm-generated.jsonl") {
      let frame = try V2XFixtures.decode(V2XFixtures.bytes(hex: vector["hex"] as! String)).get()
      guard case .bsm(let bsm) = frame.body else { continue }
      let core = bsm.coreData
      let si = BSMSIView(core)
      check("lat", core.lat == 900_000_001, si.latitudeDegrees, Double(core.lat) / 1e7)
      check("long", core.long == 1_800_000_001, si.longitudeDegrees, Double(core.long) / 1e7)
      check("elev", core.elev == -4096, si.elevationMetres, Double(core.elev) / 10)
      check(
        "semiMajor", core.accuracy.semiMajor == 255, si.accuracy.semiMajor,
        Double(core.accuracy.semiMajor) * 0.05)
      check(
        "semiMinor", core.accuracy.semiMinor == 255, si.accuracy.semiMinor,
        Double(core.accuracy.semiMinor) * 0.05)
      check(
        "orientation", core.accuracy.orientation == 65535, si.accuracy.orientationDegrees,
        Double(core.accuracy.orientation) * 360 / 65535)
      check(
        "transmission", core.transmission == 7, si.transmission.map(Double.init),
        Double(core.transmission))
      check("speed", core.speed == 8191, si.speedMetresPerSecond, Double(core.speed) * 0.02)
      check("heading", core.heading == 28800, si.headingDegrees, Double(core.heading) / 80)
      check("angle", core.angle == 127, si.steeringAngleDegrees, Double(core.angle) * 1.5)
      check(
        "accelLong", core.accelSet.long == 2001, si.acceleration.longitudinal,
        Double(core.accelSet.long) / 100)
      check(
        "accelLat", core.accelSet.lat == 2001, si.acceleration.lateral,
        Double(core.accelSet.lat) / 100)
      check(
        "accelVert", core.accelSet.vert == -127, si.acceleration.vertical,
        Double(core.accelSet.vert) * 0.02 * 9.80665)
      check(
        "secMark", core.secMark >= 61000, si.time?.seconds, Double(core.secMark) / 1000)
      check("width", core.size.width == 0, si.widthMetres, Double(core.size.width) / 100)
      check("length", core.size.length == 0, si.lengthMetres, Double(core.size.length) / 100)
      if core.secMark == 65535 { check.count("secMarkUnavailable") }
      if core.secMark >= 60000 && core.secMark < 61000 {
        check.count("leapSecond")
        #expect(si.time?.isLeapSecond == true)
      }
    }
    check.expectEveryHit(
      [
        "lat", "long", "elev", "semiMajor", "semiMinor", "orientation", "transmission", "speed",
        "heading", "angle", "accelLong", "accelLat", "accelVert", "secMark",
        "secMarkUnavailable",
      ], what: "vector")
  }

  @Test func leapSecondIsKeptAndFlagged() {
    let leap = SecondOfMinute(secMark: 60500)
    #expect(leap?.seconds == 60.5 && leap?.isLeapSecond == true)
    #expect(SecondOfMinute(secMark: 59999)?.isLeapSecond == false)
    #expect(SecondOfMinute(secMark: 65535) == nil)
    #expect(SecondOfMinute(secMark: 61000) == nil)
  }
}
