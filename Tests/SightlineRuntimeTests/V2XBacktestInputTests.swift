import Foundation
import SightlineBacktest
import SightlinePipeline
import SightlineTimeline
import SightlineV2X
import Testing

/// V2XBacktest on made-up senders: the minute wrap in file order and by receive time, runs,
/// duplicates, GNSS stalls; bad lines counted by reason; bad files and flags named; the command.
@Suite struct V2XBacktestInputTests {
  static let plane = LocalTangentPlane(
    origin: GeodeticPosition(latitudeDegrees: 41.15, longitudeDegrees: -104.66))

  /// A BSM's MessageFrame as hex: `id` at (east, north) m from the plane's origin, `speed` m/s
  /// towards compass `heading` degrees, 1 m accuracy.
  static func bsm(
    id: UInt32 = 0x0102_0304, msgCnt: Int, secMark: Int, east: Double, north: Double = 0,
    speed: Double = 20, heading: Double = 90, latitudeUnavailable: Bool = false
  ) throws -> String {
    let p = plane.geodetic(ENUPoint(east: east, north: north))
    var core = BSMCoreData.unavailable
    core.msgCnt = UInt8(msgCnt % 128)
    core.id = id
    core.secMark = UInt16(secMark)
    core.lat = latitudeUnavailable ? 900_000_001 : Int32((p.latitudeDegrees * 1e7).rounded())
    core.long = Int32((p.longitudeDegrees * 1e7).rounded())
    core.accuracy.semiMajor = 20
    core.accuracy.semiMinor = 20
    core.accuracy.orientation = 0
    core.speed = UInt16((speed / 0.02).rounded())
    core.heading = UInt16((heading / 0.0125).rounded())
    return try J2735.encodeFrame(BasicSafetyMessage(coreData: core))
      .map { String(format: "%02x", $0) }.joined()
  }

  /// 14 messages 100 ms apart across the minute (secMark 59500 … 800), east at 20 m/s; the
  /// message at `stall` repeats the previous position.
  static func drive(stall: Int? = nil) throws -> [(secMark: Int, hex: String)] {
    try (0..<14).map { k in
      let secMark = (59_500 + 100 * k) % 60_000
      let at = k == stall ? k - 1 : k
      return (secMark, try bsm(msgCnt: k, secMark: secMark, east: 2.0 * Double(at)))
    }
  }

  static func report(_ text: String, horizons: [Int] = V2XBacktest.defaultHorizons)
    -> V2XBacktestReport
  {
    V2XBacktest.run(V2XBacktestLines.read(text), horizons: horizons, file: "test")
  }

  @Test func fileOrderUnwrapsTheMinute() throws {
    let text = try Self.drive().map { "{\"hex\": \"\($0.hex)\", \"source\": \"x\"}" }
      .joined(separator: "\n")
    let report = Self.report(text)
    #expect(report.timeSource == .fileOrder && report.messages == 14)
    let sender = try #require(report.senders.first)
    #expect(sender.id == "01020304" && sender.runs == 1 && sender.gnssStalls == 0)
    let h100 = sender.horizons[0]
    let h1000 = sender.horizons[4]
    #expect(h100.n == 13 && h1000.n == 4)  // 59.5 s + 1 s crosses the wrap
    #expect(h100.medianError! < 0.02 && h1000.medianError! < 0.02)
    #expect(abs(h100.medianErrorNoExtrapolation! - 2) < 0.02)
    #expect(abs(h1000.medianErrorNoExtrapolation! - 20) < 0.05)
    #expect(h100.coverage95 == 1 && h100.models == ["constant_velocity": 13])
  }

  @Test func logReceiveTimesPlaceTheMinuteInAnyLineOrder() throws {
    let minute: Int64 = 28_000_000  // minutes since 1970
    var lines = try Self.drive().enumerated().map { k, message in
      let generated = minute * 60_000 + 59_500 + Int64(100 * k)
      #expect(generated % 60_000 == Int64(message.secMark))
      let entry = V2XLogEntry(
        t_ns: (generated + 50) * 1_000_000, source: "rsu", topic: "", format: .uper,
        payload: V2XLogEntry.bytes(hex: message.hex)!)
      return V2XLog.line(entry)
    }
    lines.append(lines[3])  // a duplicate through a second radio
    lines.reverse()
    let report = Self.report(lines.joined(separator: "\n"))
    #expect(report.timeSource == .receiveTime && report.duplicates == 1)
    let sender = try #require(report.senders.first)
    #expect(sender.messages == 14 && sender.runs == 1)
    #expect(sender.horizons[0].n == 13 && sender.horizons[4].n == 4)
    #expect(sender.horizons[0].medianError! < 0.02)
  }

  @Test func aStalledPositionIsNeitherSourceNorTarget() throws {
    let text = try Self.drive(stall: 6).map(\.hex).joined(separator: "\n")
    let report = Self.report(text)
    let sender = try #require(report.senders.first)
    #expect(report.gnssStalls == 1 && sender.gnssStallLines == [7])
    let h100 = sender.horizons[0]
    #expect(h100.n == 11 && h100.excludedStalled == 2)
    #expect(h100.medianError! < 0.02 && h100.p95Error! < 0.02)
  }

  @Test func aJumpInTimeStartsANewRun() throws {
    // Two recordings of one id: 5 messages, then 5 more 20 s later and 30 s "earlier".
    var lines: [String] = []
    for (start, count) in [(10_000, 5), (30_000, 5), (1_000, 5)] {
      for k in 0..<count {
        lines.append(
          try Self.bsm(msgCnt: k, secMark: start + 100 * k, east: 2.0 * Double(k) + 500))
      }
    }
    let sender = try #require(Self.report(lines.joined(separator: "\n")).senders.first)
    #expect(sender.runs == 3 && sender.messages == 15)
    #expect(sender.horizons[0].n == 12 && sender.horizons[0].medianError! < 0.02)
  }

  @Test func badLinesAreCountedByReason() throws {
    let spat = try String(
      contentsOf: v2xFixtures.appendingPathComponent("raw/decoder-input-spat.json.hex"),
      encoding: .utf8
    ).split(separator: "\n")[0]
    let cam = try String(
      contentsOf: v2xFixtures.appendingPathComponent("raw/cam-log6-per-uper.hex"),
      encoding: .utf8
    ).split(separator: "\n")[0]
    let good = try Self.bsm(msgCnt: 1, secMark: 100, east: 0)
    let bytes = V2XLogEntry.bytes(hex: good)!
    let farFuture = V2XLogEntry(t_ns: .max, source: "", topic: "", format: .uper, payload: bytes)
    let text = [
      "# a comment", "", "   ", "{not json", "{\"foo\": 1}", "[1, 2]", "zz", "{\"hex\": \"zz\"}",
      #"{"t_ns": 5, "source": "", "topic": "", "format": "uper", "payload_hex": "abc"}"#,
      V2XLog.line(farFuture), "0014", String(spat), String(cam),
      String(repeating: "00", count: 5000),
      try Self.bsm(msgCnt: 2, secMark: 65535, east: 0),
      try Self.bsm(msgCnt: 3, secMark: 60_500, east: 0),
      try Self.bsm(msgCnt: 4, secMark: 200, east: 0, latitudeUnavailable: true),
      "{\"hex\": \"\(good)\"}", try Self.bsm(msgCnt: 5, secMark: 300, east: 4),
    ].joined(separator: "\r\n")
    let lines = V2XBacktestLines.read(text)
    #expect(lines.lines == 16 && lines.messages.count == 2)
    #expect(lines.messages.map(\.line) == [18, 19])
    #expect(
      lines.skipped == [
        .notJSON: 1, .noPayload: 1, .notHex: 4, .receiveTimeOutOfRange: 1, .notJ2735: 1,
        .notBSMOrPSM: 1, .unknownMessageType: 1, .oversized: 1, .noTime: 2, .noPosition: 1,
      ])
    let report = V2XBacktest.run(lines, horizons: [200], file: "mixed")
    #expect(report.skippedLines == 14 && report.timeSource == .fileOrder)
    #expect(report.senders.first?.horizons.first?.n == 1)
    #expect(report.table().contains { $0.contains("skipped lines: 14 (") })
  }

  @Test func badFilesAndFlagsAreNamed() throws {
    func message(_ body: () throws -> Void) -> String {
      do {
        try body()
      } catch {
        return "\(error)"
      }
      return "no error"
    }
    #expect(
      message { _ = try V2XBacktest.run(path: "/no/such/file.jsonl") }.contains(
        "/no/such/file.jsonl"))
    let empty = temporaryPath("empty.jsonl")
    try "# nothing here\n\n".write(toFile: empty, atomically: true, encoding: .utf8)
    #expect(message { _ = try V2XBacktest.run(path: empty) }.contains("\(empty) is empty"))
    let garbage = temporaryPath("garbage.bin")
    try Data([0xff, 0xfe, 0x00, 0x41, 0x0a, 0x7b, 0x0a]).write(to: URL(fileURLWithPath: garbage))
    let noMessage = message { _ = try V2XBacktest.run(path: garbage) }
    #expect(noMessage.contains(garbage) && noMessage.contains("not_hex 1, not_json 1"))

    #expect(try V2XBacktest.horizons(parsing: "500, 100,100") == [100, 500])
    #expect(try V2XBacktest.horizons(parsing: "1,60000") == [1, 60000])
    for bad in ["abc", "0", "-5", "1.5", "", "100,,200", "60001"] {
      #expect(message { _ = try V2XBacktest.horizons(parsing: bad) }.hasPrefix("--horizons"))
    }
  }

  @Test func commandPrintsOneJSONObjectOrNamesTheProblem() throws {
    let path = v2xFixtures.appendingPathComponent("bsm-real.jsonl").path
    let run = try sightline(["v2x", "backtest", path, "--json", "--horizons", "200,500"])
    #expect(run.status == 0, "\(run.errors)")
    let lines = run.output.split(separator: "\n")
    #expect(lines.count == 1)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
    #expect(object["gnss_stalls"] as? Int == 7 && object["skipped_lines"] as? Int == 0)
    let senders = try #require(object["senders"] as? [[String: Any]])
    let vehicle = try #require(senders.first { $0["id"] as? String == "31325442" })
    let horizons = try #require(vehicle["horizons"] as? [[String: Any]])
    #expect(horizons.map { $0["horizon_ms"] as? Int } == [200, 500])
    for key in [
      "n", "median_error_m", "p95_error_m", "coverage_95", "median_error_m_no_extrapolation",
      "median_error_m_constant_velocity",
    ] {
      #expect(horizons[0][key] != nil, "\(key)")
    }
    #expect((object["horizons"] as? [[String: Any]])?.count == 2)

    let table = try sightline(["v2x", "backtest", path])
    #expect(table.status == 0 && table.output.contains("GNSS stalls: 7"))
    let missing = try sightline(["v2x", "backtest", "/no/such/log.jsonl"])
    #expect(missing.status != 0 && missing.errors.contains("/no/such/log.jsonl"))
    let flag = try sightline(["v2x", "backtest", path, "--horizons", "100,x"])
    #expect(flag.status != 0 && flag.errors.contains("--horizons"))
  }
}
