import Foundation
import SightlineLidar
import SightlineOuster
import Testing

/// How one decoded frame compares with ouster-sdk's.
struct OusterMatch: CustomStringConvertible {
  var name: String
  var ours = 0
  var theirs = 0
  var matched = 0
  var withinCentimetre = 0
  var maxError: Float = 0
  var rangeDiffers = 0
  var reflectivityDiffers = 0
  var unmatchedOurs = 0

  var fractionWithinCentimetre: Double {
    theirs == 0 ? 0 : Double(withinCentimetre) / Double(theirs)
  }

  var description: String {
    let percent = String(format: "%.4f", 100 * fractionWithinCentimetre)
    let millimetres = String(format: "%.4f", maxError * 1000)
    return "\(name): ours \(ours), ouster-sdk \(theirs), matched \(matched), "
      + "within 1 cm \(withinCentimetre) (\(percent) %), max error \(millimetres) mm, "
      + "range differs \(rangeDiffers), reflectivity differs \(reflectivityDiffers)"
  }

  /// Pairs our points with ouster-sdk's by (column, row, return); a point's column comes from
  /// its column timestamp, which is unique per column.
  init(name: String, points: [LidarPoint], reference: OusterReference.Frame, rows: Int) {
    self.name = name
    ours = points.count
    theirs = reference.returns.count
    let columnOfTime = Dictionary(
      reference.columns.map { ($0.timestamp, $0.id) }, uniquingKeysWith: { first, _ in first })
    var byKey: [Int: LidarPoint] = [:]
    for point in points {
      guard let column = columnOfTime[point.timeNanoseconds] else {
        unmatchedOurs += 1
        continue
      }
      let key = (column * rows + Int(point.ring)) * 2 + Int(point.returnType) - 1
      if byKey.updateValue(point, forKey: key) != nil { unmatchedOurs += 1 }
    }
    for expected in reference.returns {
      let key = (expected.column * rows + expected.row) * 2 + expected.index
      guard let point = byKey.removeValue(forKey: key) else { continue }
      compare(point, expected)
    }
    unmatchedOurs += byKey.count
  }

  private mutating func compare(_ point: LidarPoint, _ expected: OusterReference.Return) {
    matched += 1
    let error = euclideanDistance(SIMD3(point.x, point.y, point.z), expected.xyz)
    maxError = max(maxError, error)
    if error <= 0.01 { withinCentimetre += 1 }
    // Metres in a Float: within a float's rounding of the millimetres ouster-sdk gives.
    let rangeError = abs(Double(point.distance) * 1000 - Double(expected.rangeMillimetres))
    if rangeError > 0.05 { rangeDiffers += 1 }
    if point.intensity != expected.reflectivity { reflectivityDiffers += 1 }
  }
}

func euclideanDistance(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
  let d = a - b
  return (d * d).sum().squareRoot()
}

/// Decodes a capture and checks each sweep against ouster-sdk's frame of the same id.
func matchCapture(_ name: String, captureFolder: URL) throws -> (OusterRun, [OusterMatch]) {
  let metadata = try ousterMetadata(captureFolder.appendingPathComponent("\(name).json"))
  var run = OusterRun(metadata: metadata)
  run.feed(try capturedPayloads(captureFolder.appendingPathComponent("\(name).pcap").path))
  run.flush()
  let reference = try OusterReference.load(name)
  #expect(run.sweeps.count == reference.frames.count, "\(name): one sweep per frame")
  var matches: [OusterMatch] = []
  for (decoded, frame) in zip(run.sweeps, reference.frames) {
    #expect(decoded.frameID == frame.frameID, "\(name)")
    let match = OusterMatch(
      name: name, points: decoded.sweep.points, reference: frame, rows: reference.rows)
    print("ouster match: \(match)")
    #expect(match.ours == match.theirs, "\(match)")
    #expect(match.matched == match.theirs && match.unmatchedOurs == 0, "\(match)")
    #expect(match.fractionWithinCentimetre >= 0.999, "\(match)")
    // Float rounding only: the same table as XYZLut's, to well under a millimetre.
    #expect(match.maxError < 0.001, "\(match)")
    #expect(match.rangeDiffers == 0 && match.reflectivityDiffers == 0, "\(match)")
    matches.append(match)
  }
  return (run, matches)
}

@Suite struct OusterCaptureTests {
  @Test func dualProfileFrameMatchesOusterSDK() throws {
    let (run, matches) = try matchCapture("ouster-os0-32-dual", captureFolder: sharedLidar)
    #expect(matches.map(\.ours) == [21803])
    let sweep = try #require(run.sweeps.first).sweep
    #expect(sweep.isComplete && sweep.packetCount == 64 && sweep.packetsMissing == 0)
    #expect(sweep.coverageCentidegrees == 36000)
    #expect(Set(sweep.points.map(\.returnType)) == [1, 2])
    #expect(run.stream.dropped(.imuPacket) == 10)
    #expect(run.stream.drops.map(\.reason) == ["ouster.imu"])
    #expect(run.stream.counters.crcAbsent == 64)  // firmware 2.2 leaves the footer empty
  }

  @Test func legacyFrameMatchesOusterSDK() throws {
    let (run, matches) = try matchCapture("ouster-os1-32-legacy", captureFolder: sharedLidar)
    #expect(matches.map(\.ours) == [27310])
    let sweep = try #require(run.sweeps.first).sweep
    #expect(sweep.isComplete && sweep.packetCount == 64)
    #expect(Set(sweep.points.map(\.returnType)) == [1])
    #expect(run.stream.drops.isEmpty)
    #expect(run.sweeps.first?.frameID == 638)
  }

  @Test func partialFuSaFrameMatchesAndIsFlaggedIncomplete() throws {
    let (run, matches) = try matchCapture(
      "ouster-os1-128-fusa-dual-partial", captureFolder: sharedLidar)
    #expect(matches.map(\.ours) == [17462])
    let reference = try OusterReference.load("ouster-os1-128-fusa-dual-partial")
    #expect(reference.frames.map(\.complete) == [false])
    let sweep = try #require(run.sweeps.first).sweep
    #expect(!sweep.isComplete && sweep.beganAtCut && !sweep.endedAtCut && sweep.hadGap)
    #expect(sweep.packetCount == 8 && sweep.packetsMissing == 56)
    #expect(run.stream.counters.validColumns == 128)
    #expect(Set(sweep.points.map { $0.timeNanoseconds }).count == 128)
    #expect(run.sweeps.first?.frameID == 229)  // FUSA's 32-bit frame id
    #expect(run.stream.dropped(.imuPacket) == 2)
    #expect(run.stream.counters.incompleteSweeps == 1)
  }

  /// The profiles no shared capture has: packets ouster-sdk wrote (with a real CRC-64).
  @Test(arguments: ["ouster-os0-32-single-synthetic", "ouster-os0-32-lowbandwidth-synthetic"])
  func synthesizedProfilesMatchOusterSDK(name: String) throws {
    let (run, matches) = try matchCapture(name, captureFolder: ousterFixtures)
    #expect(matches.map(\.ours) == [3074])
    #expect(run.stream.counters.crcValid == 8 && run.stream.counters.crcAbsent == 0)
    #expect(run.stream.drops.isEmpty)
    let sweep = try #require(run.sweeps.first).sweep
    #expect(!sweep.isComplete && sweep.packetCount == 8)
  }

  @Test func columnTimestampsAreThePackets() throws {
    let run = try decodeSharedCapture("ouster-os0-32-dual")
    let reference = try OusterReference.load("ouster-os0-32-dual")
    let times = Set(try #require(run.sweeps.first).sweep.points.map(\.timeNanoseconds))
    let columns = Set(reference.frames[0].columns.map(\.timestamp))
    #expect(times.isSubset(of: columns) && times.count > 1000)
    let sweep = run.sweeps[0].sweep
    #expect(sweep.startNanoseconds == reference.frames[0].columns.first?.timestamp)
    #expect(sweep.endNanoseconds == reference.frames[0].columns.last?.timestamp)
  }

  /// azimuthCentidegrees is clockwise from the sensor's +x: a beam with no azimuth offset
  /// points where its column's azimuth says.
  @Test func columnAzimuthFollowsTheContract() throws {
    let run = try decodeSharedCapture("ouster-os1-32-legacy")
    let points = try #require(run.sweeps.first).sweep.points
    #expect(points.allSatisfy { $0.azimuthCentidegrees < 36000 })
    var worst = 0.0
    for point in points where point.distance > 5 {
      let clockwise = -atan2(Double(point.y), Double(point.x)) * 18000 / Double.pi
      var difference = (clockwise - Double(point.azimuthCentidegrees)).truncatingRemainder(
        dividingBy: 36000)
      if difference > 18000 { difference -= 36000 }
      if difference < -18000 { difference += 36000 }
      worst = max(worst, abs(difference))
    }
    // The OS-1-32's beams are within about 3° of their column (their azimuth offsets), plus
    // the beam origin's parallax at 5 m.
    #expect(worst < 450, "worst \(worst) cdeg")
    let decoder = run.stream.decoder
    #expect(decoder.table.azimuthCentidegrees(column: 0) == 18000)
    #expect(decoder.table.azimuthCentidegrees(column: 512) == 0)
    #expect(decoder.table.azimuthCentidegrees(column: 256) == 27000)
  }

  @Test func sensorDescription() throws {
    let dual = try decodeSharedCapture("ouster-os0-32-dual").stream.sensor
    #expect(
      dual
        == LidarSensorDescription(
          vendor: "Ouster", model: "OS-0-32-U1", profile: "RNG19_RFL8_SIG16_NIR16_DUAL",
          returnMode: "dual (strongest+second strongest)", beams: 32, columnsPerRevolution: 1024,
          revolutionsPerSecond: 10, timeBase: .sensorLocal))
    let legacy = try decodeSharedCapture("ouster-os1-32-legacy").stream.sensor
    #expect(legacy?.profile == "LEGACY" && legacy?.returnMode == "strongest")
    #expect(legacy?.model == "OS-1-32-G")
    let fusa = try decodeSharedCapture("ouster-os1-128-fusa-dual-partial").stream.sensor
    #expect(fusa?.beams == 128 && fusa?.model == "OS-1-128")
    let metadata = try ousterMetadata(sharedLidar.appendingPathComponent("ouster-os0-32-dual.json"))
    #expect(OusterStream(metadata: metadata).sensor == nil)
  }

  /// The sweep buffer is reserved for a whole frame: decoding never grows it.
  @Test func sweepBufferIsNotReallocated() throws {
    let payloads = try capturedPayloads(
      sharedLidar.appendingPathComponent("ouster-os0-32-dual.pcap").path)
    let metadata = try ousterMetadata(sharedLidar.appendingPathComponent("ouster-os0-32-dual.json"))
    var stream = OusterStream(metadata: metadata)
    var addresses = Set<UnsafeRawPointer?>()
    var capacities = Set<Int>()
    var sweeps = 0
    for frame in 0..<3 {
      // The same frame again under the next frame id (its footer has no CRC to break).
      for var payload in payloads {
        if payload.bytes.count == 8448 { payload.bytes[2] &+= UInt8(frame) }
        payload.bytes.withUnsafeBytes { bytes in
          stream.ingest(payload: bytes, destinationPort: payload.port, captureTimeNanoseconds: 0) {
            sweep, _ in
            sweeps += 1
            addresses.insert(
              sweep.points.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) })
            capacities.insert(sweep.points.capacity)
          }
        }
      }
    }
    #expect(sweeps == 3 && stream.drops.map(\.reason) == ["ouster.imu"])
    #expect(addresses.count == 1 && capacities.allSatisfy { $0 >= metadata.returnsPerFrame })
  }
}
