import Foundation
import SightlinePipeline
import SightlineTimeline
import SightlineV2X

/// `sightline v2x backtest`: how well the runtime's own extrapolation (`MotionModel`, with its
/// covariance) predicts where a V2X sender reports itself next. For each sender, every pair of
/// its messages whose time difference is within ±5 % of a horizon: predict the later position
/// from the earlier message over the actual difference, and score the error, whether the later
/// position is inside the prediction's 95 % ellipse, and two baselines (no extrapolation,
/// constant velocity). Decisions and the numbers on real BSMs: docs/BACKTEST.md.
public enum V2XBacktest {
  public static let defaultHorizons = [100, 200, 300, 500, 1000]
  /// A pair belongs to horizon H when its time difference is within ±5 % of H.
  public static let horizonTolerance = 0.05
  /// χ² with 2 degrees of freedom at 95 %.
  public static let chiSquare95 = 5.991
  /// A sender's sequence breaks into runs where its time steps forward by more than this, or
  /// (unwrapping in file order) back by more than `runStepBackMilliseconds`: no pair spans two
  /// runs (another recording, a restarted device).
  public static let runGapMilliseconds: Int64 = 10_000
  public static let runStepBackMilliseconds: Int64 = 1_000
  /// A GNSS stall: the position moved less than `stallFraction` of what the speed says it
  /// should have (speed × Δt, the smaller of the two messages' speeds), and that is at least
  /// `stallMinimumMetres`.
  public static let stallMinimumMetres = 1.0
  public static let stallFraction = 0.1

  /// A bad file or flag, named.
  public struct InputError: Error, CustomStringConvertible {
    public let description: String
  }

  /// Where the messages' times come from.
  public enum TimeSource: String, Sendable {
    /// The log's receive times place each secMark in its minute (±30 s rule).
    case receiveTime = "receive_time"
    /// No receive times: secMark unwrapped along each sender's messages in file order.
    case fileOrder = "file_order"
  }

  /// `--horizons`: comma-separated positive integers (ms), at most a minute; sorted, unique.
  public static func horizons(parsing text: String) throws -> [Int] {
    var out: [Int] = []
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
      let trimmed = item.trimmingCharacters(in: .whitespaces)
      guard let value = Int(trimmed), value > 0, value <= 60_000 else {
        throw InputError(
          description: "--horizons: '\(trimmed)' is not a whole number of milliseconds in"
            + " 1…60000 (give e.g. --horizons 100,200,500)")
      }
      out.append(value)
    }
    return Array(Set(out)).sorted()
  }

  /// Reads and scores a file.
  public static func run(path: String, horizons: [Int] = defaultHorizons) throws
    -> V2XBacktestReport
  {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw InputError(description: "cannot read \(path): \(error.localizedDescription)")
    }
    // Bytes that are not UTF-8 only spoil their own line, which is then skipped and counted.
    let lines = V2XBacktestLines.read(String(decoding: data, as: UTF8.self))
    guard lines.lines > 0 else {
      throw InputError(description: "\(path) is empty: no V2X log entries or hex lines in it")
    }
    guard !lines.messages.isEmpty else {
      let reasons = lines.skipped.sorted { $0.key < $1.key }.map {
        "\($0.key.rawValue) \($0.value)"
      }
      throw InputError(
        description: "no BSM or PSM with a time and a position in \(path): all \(lines.lines)"
          + " lines skipped (\(reasons.joined(separator: ", ")))")
    }
    return run(lines, horizons: horizons, file: path)
  }

  /// Scores what `V2XBacktestLines.read` gave, with the runtime's process noise per kind
  /// (`noise` is there to compare the model with a changed knob, as docs/BACKTEST.md does).
  public static func run(
    _ input: V2XBacktestLines.Result, horizons: [Int], file: String,
    noise: (AgentKind) -> MotionModel.ProcessNoise = MotionModel.ProcessNoise.standard(for:)
  ) -> V2XBacktestReport {
    let horizons = horizons.filter { $0 > 0 }
    let messages = input.messages
    let source: TimeSource =
      !messages.isEmpty && messages.allSatisfy({ $0.receiveTimeNanoseconds != nil })
      ? .receiveTime : .fileOrder
    var order: [UInt32] = []
    var bySender: [UInt32: [Int]] = [:]
    for (index, message) in messages.enumerated() {
      if bySender[message.id] == nil { order.append(message.id) }
      bySender[message.id, default: []].append(index)
    }
    var report = V2XBacktestReport(
      file: file, timeSource: source, lines: input.lines, messages: messages.count,
      skipped: input.skipped, horizonsMilliseconds: horizons)
    var pooled = Array(repeating: Samples(), count: horizons.count)
    for id in order {
      let track = Track(messages: messages, indices: bySender[id]!, source: source)
      var samples = Array(repeating: Samples(), count: horizons.count)
      track.pairs(horizons: horizons, noise: noise, into: &samples)
      for k in horizons.indices { pooled[k].append(samples[k]) }
      report.duplicates += track.duplicates
      report.gnssStalls += track.stalls
      report.senders.append(
        V2XBacktestReport.Sender(
          id: String(format: "%08x", id), kind: track.kind, messages: track.count,
          duplicates: track.duplicates, runs: track.runs.count, gnssStalls: track.stalls,
          gnssStallLines: track.runs.joined().filter(\.stalled).map(\.line),
          horizons: horizons.indices.map { samples[$0].stats(horizon: horizons[$0]) }))
    }
    report.horizons = horizons.indices.map { pooled[$0].stats(horizon: horizons[$0]) }
    return report
  }

  /// One sender's messages on its own time line, in runs, as the runtime's measurements.
  struct Track {
    struct Point {
      var time: Int64  // ms
      var line: Int
      var msgCnt: UInt8
      var measurement: AgentMeasurement
      var stalled = false
    }
    var runs: [[Point]] = []
    var duplicates = 0
    var stalls = 0
    var kind = "vehicle"
    var count: Int { runs.reduce(0) { $0 + $1.count } }

    init(messages: [V2XBacktestLines.Message], indices: [Int], source: TimeSource) {
      let first = messages[indices[0]]
      // One tangent plane per sender, at its first position: a pair is at most some tens of
      // metres apart, and the plane's scale error is below 1e-4 even 100 km from its origin.
      let plane = LocalTangentPlane(
        origin: GeodeticPosition(
          latitudeDegrees: first.latitudeDegrees, longitudeDegrees: first.longitudeDegrees,
          heightMeters: first.heightMetres))
      for run in Self.timedRuns(messages, indices, source) {
        var points: [Point] = []
        for (index, time) in run {
          let message = messages[index]
          // File order: a receive time in the message's own millisecond, so the runtime's
          // secMark rule gives back exactly `time` as the generation time.
          let received = source == .receiveTime ? message.receiveTimeNanoseconds! : time * 1_000_000
          let observation = V2XObservation(
            message: message.message, receiveTimeNanoseconds: received, ageMilliseconds: nil,
            outOfOrder: false, source: 0)
          guard let m = TimelineStage.measurement(observation, in: plane) else { continue }
          if points.last.map({ $0.time == time && $0.msgCnt == message.msgCnt }) ?? false {
            duplicates += 1
            continue
          }
          points.append(
            Point(time: time, line: message.line, msgCnt: message.msgCnt, measurement: m))
        }
        if let m = points.first?.measurement { kind = Self.name(m.kind) }
        stalls += Self.markStalls(&points)
        if !points.isEmpty { runs.append(points) }
      }
    }

    /// The sender's messages as (index, ms) in runs, each sorted by time (stable).
    static func timedRuns(
      _ messages: [V2XBacktestLines.Message], _ indices: [Int], _ source: TimeSource
    ) -> [[(Int, Int64)]] {
      var runs: [[(Int, Int64)]] = []
      var current: [(Int, Int64)] = []
      switch source {
      case .receiveTime:
        var timed: [(Int, Int64)] = []
        for index in indices {
          let message = messages[index]
          let ns = SecMark.generationTime(
            secMark: message.secMark, receiveTimeNanoseconds: message.receiveTimeNanoseconds!)!
          timed.append((index, ns / 1_000_000))
        }
        for point in sortedByTime(timed) {
          if let last = current.last, point.1 - last.1 > runGapMilliseconds {
            runs.append(current)
            current = []
          }
          current.append(point)
        }
      case .fileOrder:
        // Each secMark goes to the minute that puts it nearest the sender's previous message
        // (FIELD-NOTES: a step of 30 s or more is taken as going back across the wrap).
        var previous: Int64?
        for index in indices {
          let secMark = Int64(messages[index].secMark)
          var time = 1_000_000 * 60_000 + secMark
          if let p = previous {
            var step = (secMark - ((p % 60_000) + 60_000) % 60_000 + 60_000) % 60_000
            if step >= 30_000 { step -= 60_000 }
            time = p + step
            if step > runGapMilliseconds || step < -runStepBackMilliseconds {
              runs.append(sortedByTime(current))
              current = []
            }
          }
          current.append((index, time))
          previous = time
        }
        current = sortedByTime(current)
      }
      runs.append(current)
      return runs.filter { !$0.isEmpty }
    }

    /// By time, then by file order.
    static func sortedByTime(_ points: [(Int, Int64)]) -> [(Int, Int64)] {
      points.sorted { a, b in a.1 != b.1 ? a.1 < b.1 : a.0 < b.0 }
    }

    /// Flags positions that did not move while the speed says they should have; returns how many.
    static func markStalls(_ points: inout [Point]) -> Int {
      var count = 0
      for k in points.indices.dropFirst() {
        let a = points[k - 1].measurement
        let b = points[k].measurement
        let dt = Double(points[k].time - points[k - 1].time) / 1000
        let speeds = [a.speed, b.speed].compactMap { $0 }.filter { $0.isFinite && $0 >= 0 }
        guard dt > 0, let speed = speeds.min() else { continue }
        let expected = speed * dt
        let moved = hypot(b.x - a.x, b.y - a.y)
        if expected >= stallMinimumMetres, moved < stallFraction * expected {
          points[k].stalled = true
          count += 1
        }
      }
      return count
    }

    /// Every pair (earlier i, later j) within ±5 % of a horizon, scored into `samples`.
    func pairs(
      horizons: [Int], noise: (AgentKind) -> MotionModel.ProcessNoise,
      into samples: inout [Samples]
    ) {
      guard let longest = horizons.max() else { return }
      let reach = Double(longest) * (1 + horizonTolerance)
      for run in runs {
        for i in run.indices {
          for j in run.index(after: i)..<run.endIndex {
            let dt = Double(run[j].time - run[i].time)
            if dt > reach { break }
            for (k, horizon) in horizons.enumerated()
            where abs(dt - Double(horizon)) <= horizonTolerance * Double(horizon) {
              if run[i].stalled || run[j].stalled {
                samples[k].excludedStalled += 1
              } else {
                samples[k].add(
                  Self.score(from: run[i].measurement, to: run[j].measurement, noise: noise))
              }
            }
          }
        }
      }
    }

    /// One prediction, its baselines and whether the target is inside its ellipses.
    static func score(
      from i: AgentMeasurement, to j: AgentMeasurement,
      noise: (AgentKind) -> MotionModel.ProcessNoise
    ) -> Samples.Score {
      let time = j.generationTimeNanoseconds
      let predicted = MotionModel.extrapolate(i, to: time, processNoise: noise(i.kind))
      // The target's own reported accuracy, as the runtime reads it: its covariance at τ = 0.
      let target = MotionModel.extrapolate(j, to: time, processNoise: noise(j.kind)).covariance
      var withoutAccuracy = i
      (withoutAccuracy.accuracySemiMajor, withoutAccuracy.accuracySemiMinor) = (0, 0)
      withoutAccuracy.accuracyOrientation = 0
      let motion = MotionModel.extrapolate(
        withoutAccuracy, to: time, processNoise: noise(i.kind)
      ).covariance
      let (dx, dy) = (j.x - predicted.x, j.y - predicted.y)
      let combined = ExtrapolatedAgent.Covariance(
        xx: predicted.covariance.xx + target.xx, xy: predicted.covariance.xy + target.xy,
        yy: predicted.covariance.yy + target.yy)
      let seconds = Double(time - i.generationTimeNanoseconds) * 1e-9
      var cv = (x: i.x, y: i.y)
      if let v = i.speed, v.isFinite, v >= 0, let heading = i.heading, heading.isFinite {
        cv = (i.x + v * seconds * cos(heading), i.y + v * seconds * sin(heading))
      }
      return Samples.Score(
        error: hypot(dx, dy), inside: inside(dx, dy, combined),
        insideMotionOnly: inside(dx, dy, motion),
        errorNoExtrapolation: hypot(j.x - i.x, j.y - i.y),
        errorConstantVelocity: hypot(j.x - cv.x, j.y - cv.y), model: predicted.model)
    }

    /// Whether (dx, dy) is inside the 95 % ellipse of `c` (Mahalanobis² ≤ χ²₂(0.95)).
    static func inside(_ dx: Double, _ dy: Double, _ c: ExtrapolatedAgent.Covariance) -> Bool {
      let determinant = c.xx * c.yy - c.xy * c.xy
      guard determinant > 0, determinant.isFinite else { return dx == 0 && dy == 0 }
      let squared = (c.yy * dx * dx - 2 * c.xy * dx * dy + c.xx * dy * dy) / determinant
      return squared <= chiSquare95
    }

    static func name(_ kind: AgentKind) -> String {
      switch kind {
      case .vehicle: "vehicle"
      case .pedestrian: "pedestrian"
      case .cyclist: "cyclist"
      case .other: "other"
      }
    }
  }

  /// The scores of one horizon (one sender's, or every sender's pooled).
  struct Samples {
    struct Score {
      var error: Double
      var inside: Bool
      var insideMotionOnly: Bool
      var errorNoExtrapolation: Double
      var errorConstantVelocity: Double
      var model: MotionModel
    }
    var scores: [Score] = []
    var excludedStalled = 0

    mutating func add(_ score: Score) { scores.append(score) }

    mutating func append(_ other: Samples) {
      scores += other.scores
      excludedStalled += other.excludedStalled
    }

    func stats(horizon: Int) -> V2XBacktestReport.Horizon {
      let n = scores.count
      func fraction(_ count: Int) -> Double? { n == 0 ? nil : Double(count) / Double(n) }
      return V2XBacktestReport.Horizon(
        horizonMilliseconds: horizon, n: n,
        medianError: Self.quantile(scores.map(\.error), 0.5),
        p95Error: Self.quantile(scores.map(\.error), 0.95),
        coverage95: fraction(scores.filter(\.inside).count),
        coverage95MotionOnly: fraction(scores.filter(\.insideMotionOnly).count),
        medianErrorNoExtrapolation: Self.quantile(scores.map(\.errorNoExtrapolation), 0.5),
        medianErrorConstantVelocity: Self.quantile(scores.map(\.errorConstantVelocity), 0.5),
        excludedStalled: excludedStalled,
        models: [
          "ctra": scores.filter { $0.model == .ctra }.count,
          "constant_velocity": scores.filter { $0.model == .constantVelocity }.count,
          "constant_position": scores.filter { $0.model == .constantPosition }.count,
        ].filter { $0.value > 0 })
    }

    /// Linear interpolation between order statistics (numpy's default); nil when empty.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
      guard !values.isEmpty else { return nil }
      let sorted = values.sorted()
      let position = q * Double(sorted.count - 1)
      let low = Int(position.rounded(.down))
      let high = min(low + 1, sorted.count - 1)
      return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
  }
}
