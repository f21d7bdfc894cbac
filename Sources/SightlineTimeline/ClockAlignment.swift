// ClockAlignment: online offset and drift between one sensor clock and the host clock, robust to
// queueing delay. Pure: the caller passes every time in, nothing reads a clock. All storage is
// sized at init, so `add` and `advance` do not allocate.
//
// Model: receive − sensor = offset + drift·(sensor − t0) + queueing, queueing ≥ 0. Queueing only
// ever adds delay, so the truth is the lower envelope of the (sensor, receive − sensor) points,
// not their mean. We fit it as a linear program (Moon, Skelly & Towsley 1999): the line below
// every point in the window that is highest at the window's mean sensor time. Its solution is
// the edge of the lower convex hull above that mean, found in O(n) on sorted points. Unlike
// Theil–Sen or reweighting it needs no tuning, ignores any number of late samples, and rests on
// the fastest samples, which are exactly the ones that carry information.

/// How far to trust a `ClockEstimate`.
public enum ClockQuality: Sendable, Equatable, CaseIterable {
  /// One sample: an offset, no drift.
  case unknown
  /// Too few samples or too short a span for the drift to mean much.
  case converging
  case good
  /// No sample for longer than `holdoverAfterNanoseconds`: the fit is extrapolated.
  case holdover
  /// Samples disagree with the fit (a possible jump awaits confirmation), or the drift hit the
  /// plausibility bound on a long span.
  case degraded
}

/// The current fit: receive − sensor = offset + drift·(sensor − latest sensor time).
public struct ClockEstimate: Sendable, Equatable {
  /// Receive − sensor on the lower envelope at the latest accepted sample (queueing excluded).
  public var offsetNanoseconds: Int64
  public var driftPartsPerMillion: Double
  /// Median delay of the window's samples above the envelope: how far one raw sample is off.
  public var residualSpreadNanoseconds: Int64
  /// Window entries the fit rests on (samples, or bucket minima).
  public var samples: Int
  public var quality: ClockQuality
  /// Sensor time of the latest accepted sample, where `offsetNanoseconds` holds.
  public var sensorTimeNanoseconds: Int64
}

public enum ClockEvent: Sendable, Equatable {
  /// The sensor clock stepped relative to the host clock (positive: sensor time jumped forward,
  /// or the host clock back), confirmed by consecutive samples; the fit was reset.
  case jump(deltaNanoseconds: Int64)
  /// No sample for longer than `holdoverAfterNanoseconds`.
  case holdover
  /// A sample arrived after a holdover (or after a gap longer than it, if `advance` was not
  /// called in between).
  case recovered
}

public struct ClockAlignment: Sendable {
  public let window: Int
  public let jumpThresholdNanoseconds: Int64
  public let holdoverAfterNanoseconds: Int64
  /// Samples whose sensor times fall within this of the newest entry's are merged, keeping the
  /// fastest: a high-rate stream (LiDAR packets) then spans seconds with a small window. 0: off.
  public let bucketNanoseconds: Int64

  // A jump needs this many consecutive disagreeing samples that agree with each other. Early
  // samples are impossible by queueing; late ones can be a congested queue, so they need more.
  static let jumpConfirmations = 3
  static let lateJumpConfirmations = 5
  static let candidateCapacity = 16
  // Crystal clocks drift < 100 ppm; a steeper fit is noise from a short window.
  static let maximumDriftPartsPerMillion = 1000.0
  // The end of the envelope is pinned by few fast samples: in simulation (exponential queueing)
  // the error at the latest sample stays within a quarter of the mean queueing after ~100.
  static let goodSamples = 100
  static let goodSpanNanoseconds: Int64 = 5_000_000_000

  // Ring of (sensor, receive − sensor), oldest at `head`.
  private var ringSensor: [Int64]
  private var ringDelay: [Int64]
  private var head = 0
  private var count = 0
  private var bucketStart: Int64 = 0

  // Fit scratch: window sorted by sensor time (relative), hull indices, residuals.
  private var xs: [Double]
  private var ys: [Double]
  private var hull: [Int]
  private var residuals: [Double]

  // Consecutive samples beyond the threshold, kept out of the window until they are resolved.
  private var candidateSensor: [Int64]
  private var candidateDelay: [Int64]
  private var candidateResidual: [Double]
  private var candidateCount = 0
  private var candidateSign = 0

  // Fit: delay(s) = anchorDelay + slope·(s − anchorSensor).
  private var anchorSensor: Int64 = 0
  private var anchorDelay: Int64 = 0
  private var slope = 0.0
  private var spread: Int64 = 0
  private var span: Int64 = 0
  private var slopeClamped = false

  private var latestSensor: Int64 = 0
  private var lastReceive: Int64 = 0
  private var inHoldover = false

  public init(
    window: Int = 512, jumpThresholdNanoseconds: Int64 = 100_000_000,
    holdoverAfterNanoseconds: Int64 = 2_000_000_000, bucketNanoseconds: Int64 = 0
  ) {
    precondition(window >= Self.jumpConfirmations, "window must hold a confirmed jump")
    precondition(jumpThresholdNanoseconds > 0 && holdoverAfterNanoseconds > 0)
    precondition(bucketNanoseconds >= 0)
    self.window = window
    self.jumpThresholdNanoseconds = jumpThresholdNanoseconds
    self.holdoverAfterNanoseconds = holdoverAfterNanoseconds
    self.bucketNanoseconds = bucketNanoseconds
    ringSensor = Array(repeating: 0, count: window)
    ringDelay = Array(repeating: 0, count: window)
    xs = Array(repeating: 0, count: window)
    ys = Array(repeating: 0, count: window)
    hull = Array(repeating: 0, count: window)
    residuals = Array(repeating: 0, count: window)
    candidateSensor = Array(repeating: 0, count: Self.candidateCapacity)
    candidateDelay = Array(repeating: 0, count: Self.candidateCapacity)
    candidateResidual = Array(repeating: 0, count: Self.candidateCapacity)
  }

  // MARK: Input

  /// Adds one sample. Returns `.jump` once a step is confirmed, `.recovered` on the first sample
  /// after a holdover, else nil. A sample whose receive − sensor overflows is ignored.
  public mutating func add(
    sensorTimeNanoseconds sensor: Int64, receiveTimeNanoseconds receive: Int64
  )
    -> ClockEvent?
  {
    let (delay, overflow) = receive.subtractingReportingOverflow(sensor)
    if overflow { return nil }
    var event: ClockEvent? = nil
    if count > 0 {
      let gap = receive.subtractingReportingOverflow(lastReceive)
      if inHoldover || (!gap.overflow && gap.partialValue > holdoverAfterNanoseconds) {
        inHoldover = false
        event = .recovered
      }
      lastReceive = max(lastReceive, receive)
    } else {
      lastReceive = receive
    }
    if count == 0 {
      accept(sensor: sensor, delay: delay)
      return event
    }

    let residual = residualAgainstFit(sensor: sensor, delay: delay)
    let threshold = Double(jumpThresholdNanoseconds)
    if abs(residual) <= threshold {
      candidateCount = 0
      accept(sensor: sensor, delay: delay)
      return event
    }
    if count < Self.jumpConfirmations {
      // Warm-up: too few samples to outvote. Queueing only delays, so an earlier sample wins.
      if residual < 0 { clearWindow() }
      accept(sensor: sensor, delay: delay)
      return event
    }

    let sign = residual > 0 ? 1 : -1
    if sign != candidateSign {
      candidateCount = 0
      candidateSign = sign
    }
    if candidateCount == Self.candidateCapacity {
      for index in 1..<candidateCount {
        candidateSensor[index - 1] = candidateSensor[index]
        candidateDelay[index - 1] = candidateDelay[index]
        candidateResidual[index - 1] = candidateResidual[index]
      }
      candidateCount -= 1
    }
    candidateSensor[candidateCount] = sensor
    candidateDelay[candidateCount] = delay
    candidateResidual[candidateCount] = residual
    candidateCount += 1

    guard let base = confirmedJumpBase() else { return event }
    // Restart from the candidates on or above the new envelope; ones below it were early only
    // relative to the old clock, i.e. queueing outliers, and would pull the new envelope down.
    clearWindow()
    let tolerance = threshold / 2
    for index in 0..<candidateCount where candidateResidual[index] >= base - tolerance {
      insert(sensor: candidateSensor[index], delay: candidateDelay[index])
    }
    candidateCount = 0
    refit()
    inHoldover = false
    return .jump(deltaNanoseconds: Self.int64(-base.rounded()) ?? 0)
  }

  /// Tells the alignment the host time now; returns `.holdover` once when no sample arrived for
  /// longer than `holdoverAfterNanoseconds`. The estimate is then flagged and extrapolated.
  public mutating func advance(hostTimeNanoseconds now: Int64) -> ClockEvent? {
    guard count > 0, !inHoldover else { return nil }
    let (gap, overflow) = now.subtractingReportingOverflow(lastReceive)
    guard !overflow, gap > holdoverAfterNanoseconds else { return nil }
    inHoldover = true
    return .holdover
  }

  /// Forgets everything (window, fit, pending candidates, holdover).
  public mutating func reset() {
    clearWindow()
    candidateCount = 0
    inHoldover = false
  }

  // MARK: Output

  public var estimate: ClockEstimate? {
    guard count > 0 else { return nil }
    let quality: ClockQuality
    if inHoldover {
      quality = .holdover
    } else if candidateCount > 0 {
      quality = .degraded
    } else if count < 2 {
      quality = .unknown
    } else if slopeClamped && span >= Self.goodSpanNanoseconds {
      quality = .degraded
    } else if count < min(Self.goodSamples, window) || span < Self.goodSpanNanoseconds {
      quality = .converging
    } else {
      quality = .good
    }
    return ClockEstimate(
      offsetNanoseconds: delay(atSensor: latestSensor) ?? anchorDelay,
      driftPartsPerMillion: slope * 1e6,
      residualSpreadNanoseconds: spread,
      samples: count,
      quality: quality,
      sensorTimeNanoseconds: latestSensor)
  }

  /// Host (receive) time of a sensor time with the queueing removed; nil before the first
  /// sample or on overflow.
  public func hostTime(forSensorTime sensor: Int64) -> Int64? {
    guard count > 0, let delay = delay(atSensor: sensor) else { return nil }
    let (host, overflow) = sensor.addingReportingOverflow(delay)
    return overflow ? nil : host
  }

  /// Inverse of `hostTime(forSensorTime:)`.
  public func sensorTime(forHostTime host: Int64) -> Int64? {
    guard count > 0 else { return nil }
    // host = s + anchorDelay + slope·(s − anchorSensor); with u = s − anchorSensor,
    // u = w / (1 + slope) = w − w·slope/(1 + slope), keeping the large part exact.
    let first = host.subtractingReportingOverflow(anchorSensor)
    guard !first.overflow else { return nil }
    let second = first.partialValue.subtractingReportingOverflow(anchorDelay)
    guard !second.overflow else { return nil }
    let w = second.partialValue
    guard let correction = Self.int64((Double(w) * slope / (1 + slope)).rounded()) else {
      return nil
    }
    let u = w.subtractingReportingOverflow(correction)
    guard !u.overflow else { return nil }
    let sensor = anchorSensor.addingReportingOverflow(u.partialValue)
    return sensor.overflow ? nil : sensor.partialValue
  }

  // MARK: Fit

  private func delay(atSensor sensor: Int64) -> Int64? {
    guard let correction = Self.int64((slope * Self.difference(sensor, anchorSensor)).rounded())
    else { return nil }
    let (delay, overflow) = anchorDelay.addingReportingOverflow(correction)
    return overflow ? nil : delay
  }

  private func residualAgainstFit(sensor: Int64, delay: Int64) -> Double {
    Self.difference(delay, anchorDelay) - slope * Self.difference(sensor, anchorSensor)
  }

  private mutating func clearWindow() {
    head = 0
    count = 0
    slope = 0
    spread = 0
    span = 0
    slopeClamped = false
  }

  private mutating func accept(sensor: Int64, delay: Int64) {
    if insert(sensor: sensor, delay: delay) { refit() }
  }

  /// Appends to the ring, or merges into the newest bucket; true when the window changed.
  @discardableResult
  private mutating func insert(sensor: Int64, delay: Int64) -> Bool {
    if count == 0 || sensor > latestSensor { latestSensor = sensor }
    if bucketNanoseconds > 0 && count > 0 {
      let gap = sensor.subtractingReportingOverflow(bucketStart)
      if !gap.overflow && gap.partialValue >= 0 && gap.partialValue < bucketNanoseconds {
        let newest = (head + count - 1) % window
        guard delay < ringDelay[newest] else { return false }
        ringSensor[newest] = sensor
        ringDelay[newest] = delay
        return true
      }
    }
    bucketStart = sensor
    if count == window {
      ringSensor[head] = sensor
      ringDelay[head] = delay
      head = (head + 1) % window
    } else {
      let slot = (head + count) % window
      ringSensor[slot] = sensor
      ringDelay[slot] = delay
      count += 1
    }
    return true
  }

  private mutating func refit() {
    let n = count
    guard n > 0 else { return }
    let newest = (head + n - 1) % window
    let referenceSensor = ringSensor[newest]
    let referenceDelay = ringDelay[newest]
    for k in 0..<n {
      let slot = (head + k) % window
      xs[k] = Self.difference(ringSensor[slot], referenceSensor)
      ys[k] = Self.difference(ringDelay[slot], referenceDelay)
    }
    // Insertion sort by (x, y): the window arrives almost sorted, so this is ~O(n).
    for i in 1..<max(n, 1) {
      let x = xs[i]
      let y = ys[i]
      var j = i - 1
      while j >= 0 && (xs[j] > x || (xs[j] == x && ys[j] > y)) {
        xs[j + 1] = xs[j]
        ys[j + 1] = ys[j]
        j -= 1
      }
      xs[j + 1] = x
      ys[j + 1] = y
    }

    // Lower hull (Andrew's monotone chain); of equal x only the lowest point counts.
    var h = 0
    var sumX = 0.0
    for i in 0..<n {
      sumX += xs[i]
      if i > 0 && xs[i] == xs[i - 1] { continue }
      while h >= 2 {
        let o = hull[h - 2]
        let a = hull[h - 1]
        let cross = (xs[a] - xs[o]) * (ys[i] - ys[o]) - (ys[a] - ys[o]) * (xs[i] - xs[o])
        if cross > 0 { break }
        h -= 1
      }
      hull[h] = i
      h += 1
    }
    let meanX = sumX / Double(n)

    // The hull edge above the mean x maximises the line there (the LP optimum).
    var vertex = hull[0]
    var fitted = 0.0
    if h >= 2 {
      var edge = 0
      while edge < h - 2 && xs[hull[edge + 1]] < meanX { edge += 1 }
      fitted = edgeSlope(hull[edge], hull[edge + 1])
      vertex = hull[edge]
    }
    let bound = Self.maximumDriftPartsPerMillion * 1e-6
    slopeClamped = abs(fitted) > bound
    if slopeClamped {
      // Best line of bounded slope: through the vertex where the hull's slope crosses the bound.
      fitted = min(max(fitted, -bound), bound)
      var j = 0
      while j < h - 1 && edgeSlope(hull[j], hull[j + 1]) < fitted { j += 1 }
      vertex = hull[j]
    }
    slope = fitted
    let intercept = ys[vertex] - fitted * xs[vertex]
    anchorSensor = referenceSensor
    anchorDelay = referenceDelay &+ (Self.int64(intercept.rounded()) ?? 0)
    span = Self.int64((xs[n - 1] - xs[0]).rounded()) ?? Int64.max

    for i in 0..<n { residuals[i] = ys[i] - (intercept + fitted * xs[i]) }
    spread = Self.int64(median(n).rounded()) ?? 0
  }

  private func edgeSlope(_ a: Int, _ b: Int) -> Double {
    (ys[b] - ys[a]) / (xs[b] - xs[a])
  }

  /// Median of residuals[0..<n] by quickselect (reorders the scratch, no allocation).
  private mutating func median(_ n: Int) -> Double {
    let k = n / 2
    var low = 0
    var high = n - 1
    while low < high {
      let pivot = residuals[(low + high) / 2]
      var i = low
      var j = high
      while i <= j {
        while residuals[i] < pivot { i += 1 }
        while residuals[j] > pivot { j -= 1 }
        if i <= j {
          residuals.swapAt(i, j)
          i += 1
          j -= 1
        }
      }
      if k <= j {
        high = j
      } else if k >= i {
        low = i
      } else {
        break
      }
    }
    return residuals[k]
  }

  /// The lowest residual (least queued) of enough pending candidates that agree within half the
  /// threshold. A queue stall releases a burst whose residuals fall by one sample period each,
  /// so it does not agree; a real step does.
  private func confirmedJumpBase() -> Double? {
    let needed = candidateSign > 0 ? Self.lateJumpConfirmations : Self.jumpConfirmations
    guard candidateCount >= needed else { return nil }
    let tolerance = Double(jumpThresholdNanoseconds) / 2
    var best: Double? = nil
    for i in 0..<candidateCount {
      let base = candidateResidual[i]
      var agreeing = 0
      for j in 0..<candidateCount {
        let r = candidateResidual[j]
        if r >= base && r - base <= tolerance { agreeing += 1 }
      }
      if agreeing >= needed && base < (best ?? .infinity) { best = base }
    }
    return best
  }

  private static func difference(_ a: Int64, _ b: Int64) -> Double {
    let (value, overflow) = a.subtractingReportingOverflow(b)
    return overflow ? Double(a) - Double(b) : Double(value)
  }

  private static func int64(_ value: Double) -> Int64? {
    guard value.isFinite, value > -9.2e18, value < 9.2e18 else { return nil }
    return Int64(value)
  }
}
