// PSM vectors: every generated PSM and the one real PSM decode and their V2XJSON `psm` object
// equals the expected `decoded` (`decoded2020` for the real one); SI view sentinels; and a
// hand-built PSM with every optional field parses through to the end.

import Foundation
import Testing

@testable import SightlineV2X

@Suite struct PSMVectorTests {
  private func checkFile(_ name: String, expectedKey: String) throws -> (passed: Int, total: Int) {
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
        if line["type"] as? String != "PSM" || line["messageId"] as? Int != 32 {
          problems.append("not a PSM")
        }
        if !V2XFixtures.equal(line["psm"], vector[expectedKey]) {
          problems.append("psm \(line["psm"] ?? "nil") != \(vector[expectedKey]!)")
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

  @Test func generatedPSMVectors() throws {
    let result = try checkFile("psm-generated.jsonl", expectedKey: "decoded")
    #expect(result.total == 150)
    #expect(result.passed == result.total)
  }

  @Test func realPSMVector() throws {
    let result = try checkFile("psm-real.jsonl", expectedKey: "decoded2020")
    #expect(result.total == 2)
    #expect(result.passed == result.total)
  }

  @Test func generatedSentinelsBecomeNil() throws {
    var check = SentinelCheck()
    for vector in try V2XFixtures.jsonl("psm-generated.jsonl") {
      let frame = try V2XFixtures.decode(V2XFixtures.bytes(hex: vector["hex"] as! String)).get()
      guard case .psm(let psm) = frame.body else { continue }
      let si = PSMSIView(psm)
      check(
        "lat", psm.position.lat == 900_000_001, si.latitudeDegrees, Double(psm.position.lat) / 1e7)
      check(
        "long", psm.position.long == 1_800_000_001, si.longitudeDegrees,
        Double(psm.position.long) / 1e7)
      if let elevation = psm.position.elevation {
        check("elev", elevation == -4096, si.elevationMetres, Double(elevation) / 10)
      } else {
        #expect(si.elevationMetres == nil)
      }
      check(
        "semiMajor", psm.accuracy.semiMajor == 255, si.accuracy.semiMajor,
        Double(psm.accuracy.semiMajor) * 0.05)
      check(
        "orientation", psm.accuracy.orientation == 65535, si.accuracy.orientationDegrees,
        Double(psm.accuracy.orientation) * 360 / 65535)
      check("speed", psm.speed == 8191, si.speedMetresPerSecond, Double(psm.speed) * 0.02)
      check("heading", psm.heading == 28800, si.headingDegrees, Double(psm.heading) / 80)
      check("secMark", psm.secMark >= 61000, si.time?.seconds, Double(psm.secMark) / 1000)
      if let accel = psm.accelSet, let siAccel = si.acceleration {
        check("accelLong", accel.long == 2001, siAccel.longitudinal, Double(accel.long) / 100)
        check("accelVert", accel.vert == -127, siAccel.vertical, Double(accel.vert) * 0.196133)
      } else {
        #expect(psm.accelSet == nil && si.acceleration == nil)
      }
      if let prediction = psm.pathPrediction {
        #expect(si.pathIsStraight == (prediction.radiusOfCurve == 32767))
        #expect(abs(si.pathConfidence! - Double(prediction.confidence) / 200) < 1e-12)
      }
      #expect(si.clusterRadiusMetres == psm.clusterRadius.map { Double($0) })
    }
    check.expectEveryHit(
      ["lat", "long", "elev", "semiMajor", "speed", "heading", "secMark", "accelLong"], what: "PSM")
  }

  @Test func realPSMConvertsToSI() throws {
    let vector = try #require(V2XFixtures.jsonl("psm-real.jsonl").first)
    let frame = try V2XFixtures.decode(V2XFixtures.bytes(hex: vector["hex"] as! String)).get()
    guard case .psm(let psm) = frame.body else {
      Issue.record("expected a PSM")
      return
    }
    let si = PSMSIView(psm)
    #expect(abs(si.latitudeDegrees! - 40.2397377) < 1e-12)
    #expect(abs(si.headingDegrees! - 111.225) < 1e-9)
    #expect(si.speedMetresPerSecond == 0)
    #expect(si.elevationMetres == nil)
    #expect(abs(si.time!.seconds - 3.564) < 1e-12)
  }

  /// A PSM with all 18 optional fields and the extension bit: each field lands where J2735
  /// puts it, and the frame ends exactly where it should.
  @Test func everyOptionalFieldParsesInOrder() throws {
    var body = BitWriter()
    body.put(1, bits: 1)  // PSM extension bit
    body.put(0x3FFFF, bits: 18)  // all optional fields present
    body.put(0, bits: 1)
    body.put(4, bits: 3)  // anANIMAL
    body.put(59_000, bits: 16)  // secMark
    body.put(5, bits: 7)  // msgCnt
    body.put(0xDEAD_BEEF, bits: 32)  // id
    body.put(0b010, bits: 3)  // position: no ext, elevation, no regional
    body.put(900_000_000 + 1, bits: 31)
    body.put(1_799_999_999 + 2, bits: 32)
    body.put(4096 + 3, bits: 16)
    body.put(20, bits: 8)
    body.put(21, bits: 8)
    body.put(22, bits: 16)  // accuracy
    body.put(100, bits: 13)  // speed
    body.put(200, bits: 15)  // heading
    body.put(2000 + 1, bits: 12)
    body.put(2000 + 2, bits: 12)
    body.put(127 + 3, bits: 8)
    body.put(32767 + 4, bits: 16)  // accelSet
    // pathHistory: no ext, initialPosition, currGNSSstatus, one crumb
    body.put(0b011, bits: 3)
    body.put(0, bits: 1)  // FullPositionVector ext
    body.put(0b1000_0001, bits: 8)  // utcTime and speedConfidence
    body.put(0b100_0000, bits: 7)  // year only
    body.put(2024, bits: 12)
    body.put(1_799_999_999, bits: 32)
    body.put(900_000_000, bits: 31)
    body.put(0b101, bits: 8)  // speedConfidence
    body.put(0xA5, bits: 8)  // GNSSstatus
    body.put(0, bits: 5)  // one crumb
    body.put(0b0100, bits: 4)  // crumb: no ext, speed present
    body.put(0, bits: 18 + 18 + 12)
    body.put(9, bits: 16)  // timeOffset 10
    body.put(77, bits: 13)
    body.put(0, bits: 1)
    body.put(32767 + 32767, bits: 16)  // pathPrediction: straight
    body.put(200, bits: 8)
    body.put(0b0_10, bits: 3)  // propulsion: motor
    body.put(0, bits: 1)
    body.put(3, bits: 3)  // bicycle
    body.put(0, bits: 1)
    body.put(0b1_0000_0001, bits: 9)  // useState
    body.put(1, bits: 1)  // crossRequest
    body.put(0, bits: 1)  // crossState
    body.put(0, bits: 1)
    body.put(2, bits: 2)  // clusterSize medium
    body.put(100, bits: 7)  // clusterRadius
    body.put(0, bits: 1)
    body.put(2, bits: 3)  // fireAndEMSWorker
    body.put(0, bits: 1)
    body.put(0b000010, bits: 6)  // activityType
    body.put(0, bits: 1)
    body.put(0b0000001, bits: 7)  // activitySubType
    body.put(1, bits: 1)
    body.put(8, bits: 8)
    body.put(0xFF, bits: 8)  // assistType, extended to 8 bits
    body.put(0, bits: 1)
    body.put(0b10000, bits: 5)  // sizing
    body.put(0, bits: 1)
    body.put(6, bits: 3)  // attachment pet
    body.put(200, bits: 8)  // attachmentRadius
    body.put(0, bits: 1)
    body.put(3, bits: 2)  // animalType farm
    body.put(0, bits: 2)  // one regional extension
    body.put(7, bits: 8)
    body.put(1, bits: 8)
    body.put(0x42, bits: 8)
    body.put(0, bits: 7)  // one-bit extension bitmap, not present
    body.put(0, bits: 1)
    var frame = BitWriter()
    frame.put(0x0020, bits: 16)
    frame.put(UInt64(body.bytes.count), bits: 8)
    let bytes = frame.bytes + body.bytes

    let decoded = try V2XFixtures.decode(bytes).get()
    #expect(decoded.consumedBytes == bytes.count)
    #expect(decoded.messageHasExtension)
    guard case .psm(let psm) = decoded.body else {
      Issue.record("expected a PSM")
      return
    }
    #expect(psm.basicType == 4 && psm.secMark == 59_000 && psm.msgCnt == 5)
    #expect(psm.id == 0xDEAD_BEEF)
    #expect(psm.position.lat == 1 && psm.position.long == 2 && psm.position.elevation == 3)
    #expect(psm.accelSet == AccelerationSet4Way(long: 1, lat: 2, vert: 3, yaw: 4))
    #expect(
      psm.pathHistory
        == PathHistorySummary(hasInitialPosition: true, gnssStatus: 0xA5, crumbCount: 1))
    #expect(psm.pathPrediction == PathPrediction(radiusOfCurve: 32767, confidence: 200))
    #expect(psm.propulsion == Propulsion(kind: 2, value: 3))
    #expect(psm.useState == BitField(value: 0b1_0000_0001, count: 9))
    #expect(psm.crossRequest == true && psm.crossState == false)
    #expect(psm.clusterSize == 2 && psm.clusterRadius == 100 && psm.eventResponderType == 2)
    #expect(psm.activityType == BitField(value: 2, count: 6))
    #expect(psm.activitySubType == BitField(value: 1, count: 7))
    #expect(psm.assistType == BitField(value: 0xFF, count: 8))
    #expect(psm.sizing == BitField(value: 0b10000, count: 5))
    #expect(psm.attachment == 6 && psm.attachmentRadius == 200 && psm.animalType == 3)
    #expect(psm.regionalCount == 1)

    let line = try V2XFixtures.object(V2XJSON.line(for: decoded))
    let object = try #require(line["psm"] as? [String: Any])
    #expect(object["basicType"] as? String == "anANIMAL")
    #expect(V2XFixtures.equal(object["propulsion"], ["motor": "bicycle"]))
    #expect(V2XFixtures.equal(object["useState"], ["bits": "8080", "nbits": 9]))
    #expect(object["clusterSize"] as? String == "medium")
    #expect(object["eventResponderType"] as? String == "fireAndEMSWorker")
    #expect(object["attachment"] as? String == "pet")
    #expect(object["animalType"] as? String == "farm")
    let si = try #require(line["si"] as? [String: Any])
    #expect(si["pathRadiusM"] is NSNull && si["pathStraight"] as? Bool == true)
  }
}
