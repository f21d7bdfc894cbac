import Foundation
import SightlineBacktest
import SightlinePipeline
import SightlineTimeline
import SightlineV2X
import Testing

/// `sightline v2x backtest` (V2XBacktest): the done-when targets on the real BSMs, every number
/// docs/BACKTEST.md prints, time and pairing on synthetic senders, stalls, bad lines and bad
/// input.
@Suite struct V2XBacktestTests {
  static let realPath = "Tests/SightlineV2XTests/Fixtures/bsm-real.jsonl"

  /// The real BSMs, scored as the command does (the path as docs/BACKTEST.md prints it).
  static func realReport(
    noise: (AgentKind) -> MotionModel.ProcessNoise = MotionModel.ProcessNoise.standard(for:)
  ) throws -> V2XBacktestReport {
    let text = try String(
      contentsOf: repositoryRoot.appendingPathComponent(realPath), encoding: .utf8)
    return V2XBacktest.run(
      V2XBacktestLines.read(text), horizons: V2XBacktest.defaultHorizons, file: realPath,
      noise: noise)
  }

  static func horizon(_ report: V2XBacktestReport, _ id: String, _ ms: Int) throws
    -> V2XBacktestReport.Horizon
  {
    let sender = try #require(report.senders.first { $0.id == id }, "no sender \(id)")
    return try #require(sender.horizons.first { $0.horizonMilliseconds == ms })
  }

  @Test func realBSMsMeetTheTargets() throws {
    let report = try Self.realReport()
    #expect(report.timeSource == .fileOrder)
    for ms in [200, 500] {
      // The moving vehicle: no worse than constant velocity.
      let vehicle = try Self.horizon(report, "31325442", ms)
      #expect(vehicle.n >= 50)
      let median = try #require(vehicle.medianError)
      #expect(median <= (try #require(vehicle.medianErrorConstantVelocity)) + 1e-9, "\(ms) ms")
      // The walkers: no worse than not extrapolating.
      for walker in ["31325433", "31325431"] {
        let h = try Self.horizon(report, walker, ms)
        #expect(h.n >= 50)
        let median = try #require(h.medianError)
        #expect(median <= (try #require(h.medianErrorNoExtrapolation)) + 1e-9, "\(walker) \(ms)")
      }
    }
    // Coverage at every horizon with n ≥ 50, per sender and pooled.
    var checked = 0
    for (name, horizons) in report.senders.map({ ($0.id, $0.horizons) }) + [
      ("all", report.horizons)
    ] {
      for h in horizons where h.n >= 50 {
        #expect((try #require(h.coverage95)) >= 0.9, "\(name) \(h.horizonMilliseconds) ms")
        checked += 1
      }
    }
    #expect(checked == 25)  // 4 senders with n ≥ 50 at all 5 horizons, and the pool
  }

  /// Before the model change (no minimum heading speed) the runtime failed the walkers' target:
  /// the numbers docs/BACKTEST.md gives for it.
  @Test func withoutTheMinimumHeadingSpeedTheWalkerTargetFails() throws {
    let report = try Self.realReport { kind in
      var q = MotionModel.ProcessNoise.standard(for: kind)
      q.minimumHeadingSpeed = 0
      return q
    }
    let h = try Self.horizon(report, "31325431", 500)
    Self.near(h.medianError, 0.332, "before, 31325431 500 ms")
    Self.near(h.medianErrorNoExtrapolation, 0.251, "no extrapolation")
    #expect(h.medianError! > h.medianErrorNoExtrapolation!)
    let h300 = try Self.horizon(report, "31325431", 300)
    Self.near(h300.medianError, 0.215, "before, 31325431 300 ms")
    Self.near(h300.medianErrorNoExtrapolation, 0.177, "no extrapolation 300 ms")
    let walker = try Self.horizon(report, "31325433", 100)
    Self.near(walker.medianError, 0.123, "before, 31325433 100 ms")
  }

  /// Distances within 5 % (or 1 mm of rounding), coverage within 0.02.
  static func near(
    _ value: Double?, _ expected: Double, _ what: String, coverage: Bool = false,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    guard let value else {
      Issue.record("\(what): no value", sourceLocation: sourceLocation)
      return
    }
    let tolerance = coverage ? 0.02 : max(0.05 * abs(expected), 0.001)
    #expect(
      abs(value - expected) <= tolerance, "\(what): \(value) against \(expected)",
      sourceLocation: sourceLocation)
  }

  /// The JSON rounds to four decimals.
  @Test func jsonRoundsToFourDecimals() throws {
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(Self.realReport().json().utf8))
        as? [String: Any])
    let horizons = try #require(object["horizons"] as? [[String: Any]])
    var values = 0
    for h in horizons {
      for key in ["median_error_m", "p95_error_m", "coverage_95", "coverage_95_motion_only"] {
        let value = try #require(h[key] as? Double)
        #expect(abs(value * 10_000 - (value * 10_000).rounded()) < 1e-6, "\(key) \(value)")
        values += 1
      }
    }
    #expect(values == 20)
  }

  /// Every row of the table in docs/BACKTEST.md is what the command prints now.
  @Test func docsTableIsTheCommandsOutput() throws {
    let docs = try String(
      contentsOf: repositoryRoot.appendingPathComponent("docs/BACKTEST.md"), encoding: .utf8)
    let lines = docs.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let start = try #require(
      lines.firstIndex(of: "$ sightline v2x backtest \(Self.realPath)"), "no command in docs")
    let block = Array(lines[(start + 1)...].prefix { !$0.hasPrefix("```") })
    let table = try Self.realReport().table()
    #expect(block.count == table.count, "docs has \(block.count) lines, the command \(table.count)")
    // The heading (counts only) word for word; the rows number by number.
    let heading = try #require(table.firstIndex { $0.hasPrefix("sender ") }) + 1
    #expect(Array(block.prefix(heading)) == Array(table.prefix(heading)))
    var rows = 0
    for (documented, printed) in zip(block.dropFirst(heading), table.dropFirst(heading)) {
      let a = documented.split(separator: " ").map(String.init)
      let b = printed.split(separator: " ").map(String.init)
      #expect(a.count == b.count, "\(documented)")
      guard a.count == b.count else { continue }
      // sender [kind] horizon "ms" n median p95 cov95 motion no-extrap CV
      let textual = a.count - 7
      #expect(Array(a.prefix(textual)) == Array(b.prefix(textual)), "\(documented)")
      for k in textual..<a.count {
        guard let expected = Double(a[k]), let value = Double(b[k]) else {
          #expect(a[k] == b[k], "\(documented)")
          continue
        }
        let column = k - textual
        if column == 0 {
          #expect(value == expected, "n in \(documented)")
        } else {
          Self.near(value, expected, documented, coverage: column == 3 || column == 4)
        }
      }
      rows += 1
    }
    #expect(rows == 25)
  }

  /// The other numbers docs/BACKTEST.md states: constants, the data's facts, stalls.
  @Test func docsFactsHold() throws {
    #expect(V2XBacktest.defaultHorizons == [100, 200, 300, 500, 1000])
    #expect(V2XBacktest.horizonTolerance == 0.05 && V2XBacktest.chiSquare95 == 5.991)
    #expect(V2XBacktest.runGapMilliseconds == 10_000)
    #expect(V2XBacktest.runStepBackMilliseconds == 1_000)
    #expect(V2XBacktest.stallMinimumMetres == 1 && V2XBacktest.stallFraction == 0.1)
    #expect(MotionModel.ProcessNoise.vehicle.minimumHeadingSpeed == 1.4)
    #expect(MotionModel.ProcessNoise.vehicle.unknownPositionSigma == 5)

    let report = try Self.realReport()
    #expect(report.lines == 993 && report.messages == 993 && report.skippedLines == 0)
    #expect(report.gnssStalls == 7 && report.duplicates == 0)
    let vehicle = try #require(report.senders.first { $0.id == "31325442" })
    #expect(vehicle.messages == 243 && vehicle.gnssStalls == 7 && vehicle.runs == 1)
    #expect(vehicle.gnssStallLines == [245, 264, 275, 372, 402, 451, 461])
    #expect(vehicle.horizons.map(\.excludedStalled) == [4, 4, 3, 7, 7])
    #expect(report.horizons.map(\.excludedStalled) == [4, 4, 3, 7, 7])
    let walker = try #require(report.senders.first { $0.id == "31325433" })
    #expect(walker.messages == 145 && walker.runs == 15)
    #expect(try #require(report.senders.first { $0.id == "31325431" }).runs == 1)
    #expect(try #require(report.senders.first { $0.id == "12a7aa31" }).messages == 511)

    // Speeds and headings as the senders report them (the walkers' log messages only).
    let text = try String(
      contentsOf: repositoryRoot.appendingPathComponent(Self.realPath), encoding: .utf8)
    // 31325433's spliced lines 3–17 (bsmTx.bin): secMarks about :25.4 and :55.4.
    let spliced = V2XBacktestLines.read(text).messages.filter { (3...17).contains($0.line) }
    #expect(spliced.count == 15 && spliced.allSatisfy { $0.id == 0x3132_5433 })
    #expect(
      spliced.allSatisfy {
        (25_390...25_510).contains($0.secMark) || (55_390...55_500).contains($0.secMark)
      })
    var speeds: [String: [Double]] = [:]
    var headings: [String: Set<Double>] = [:]
    var axes: [String: Set<[Double]>] = [:]
    var secMarks: [String: [Int]] = [:]
    for message in V2XBacktestLines.read(text).messages {
      guard case .bsm(let bsm) = message.message else { continue }
      let si = BSMSIView(bsm.coreData)
      let id = String(format: "%08x", message.id)
      if id == "31325433" && message.line < 18 { continue }  // the spliced bsmTx lines
      speeds[id, default: []].append(si.speedMetresPerSecond ?? -1)
      headings[id, default: []].insert(si.headingDegrees ?? -1)
      axes[id, default: []].insert([si.accuracy.semiMajor ?? -1, si.accuracy.semiMinor ?? -1])
      secMarks[id, default: []].append(Int(message.secMark))
    }
    #expect(speeds["12a7aa31"]?.count == 511 && speeds["12a7aa31"]?.max() == 0)
    // The vehicle's accuracy: 4.75 m and more; 31325433's ellipse 9.3 × 12.05 m.
    let vehicleAxes = try #require(axes["31325442"])
    #expect(abs(vehicleAxes.map { $0.max()! }.min()! - 4.75) < 1e-9)
    #expect(axes["31325433"]?.count == 1)
    let walkerAxes = try #require(axes["31325433"]?.first)
    #expect(abs(walkerAxes[0] - 9.3) < 1e-9 && abs(walkerAxes[1] - 12.05) < 1e-9)
    // Some of the vehicle's secMark steps are 22 and 33 ms.
    let marks = try #require(secMarks["31325442"])
    let steps = Set(zip(marks, marks.dropFirst()).map { ($1 - $0 + 60_000) % 60_000 })
    #expect(steps.contains(22) && steps.contains(33))
    func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-9 } ?? false }
    #expect(close(speeds["31325442"]?.min(), 11.46) && close(speeds["31325442"]?.max(), 22.94))
    #expect(speeds["31325433"]?.count == 129 && close(speeds["31325433"]?.max(), 0.64))
    #expect(speeds["31325431"]?.count == 93 && close(speeds["31325431"]?.max(), 0.84))
    #expect(headings["31325433"]?.count == 1 && close(headings["31325433"]?.first, 205.975))
    #expect(headings["31325431"]?.count == 1 && close(headings["31325431"]?.first, 250.9125))
  }
}
