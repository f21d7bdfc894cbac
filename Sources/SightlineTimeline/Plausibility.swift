/// V2X misbehaviour checks on what senders report, before it reaches the tracks: anyone in
/// radio range can transmit a BSM, so a report that no real road user could make is dropped,
/// and its sender is quarantined for a while (counted, never silently).
/// - speed beyond what its kind can do (a car at 150 m/s, a pedestrian at 20 m/s);
/// - longitudinal acceleration beyond what tyres allow;
/// - a position jump that speed × time cannot explain, which is also how one temporary id at
///   two far-apart places shows (two senders, or a spoofer, using the same id).
public struct PlausibilityCheck: Sendable {
  public struct Limits: Sendable, Equatable {
    public var vehicleSpeed = 70.0  // m/s, 252 km/h
    public var cyclistSpeed = 25.0
    public var pedestrianSpeed = 12.0
    /// |longitudinal acceleration|, m/s² (a hard stop is about 10).
    public var acceleration = 15.0
    /// Slack on top of speed × time for a jump: position noise of both reports.
    public var jumpSlackMeters = 5.0
    /// How long a sender stays quarantined after an implausible report.
    public var quarantineNanoseconds: Int64 = 10_000_000_000
    public init() {}
  }

  public enum Reason: Int, CaseIterable, Sendable, CustomStringConvertible {
    case speed
    case acceleration
    case positionJump
    /// From a sender in quarantine.
    case quarantined

    public var description: String {
      switch self {
      case .speed: "implausible_speed"
      case .acceleration: "implausible_acceleration"
      case .positionJump: "position_jump"
      case .quarantined: "quarantined_sender"
      }
    }
  }

  public let limits: Limits
  /// Reports dropped, by reason.
  public private(set) var dropped = [Int](repeating: 0, count: Reason.allCases.count)
  /// Senders put in quarantine so far.
  public private(set) var quarantines = 0
  private var last: [UInt32: (time: Int64, x: Double, y: Double, speed: Double)] = [:]
  private var quarantinedUntil: [UInt32: Int64] = [:]

  public init(limits: Limits = Limits()) { self.limits = limits }

  /// Whether `report` may reach the tracks; nil when it may, else why not.
  public mutating func check(_ report: AgentMeasurement) -> Reason? {
    let time = report.generationTimeNanoseconds
    if let until = quarantinedUntil[report.id] {
      if time < until { return drop(.quarantined) }
      quarantinedUntil[report.id] = nil
      last[report.id] = nil
    }
    let maximumSpeed =
      switch report.kind {
      case .vehicle, .other: limits.vehicleSpeed
      case .cyclist: limits.cyclistSpeed
      case .pedestrian: limits.pedestrianSpeed
      }
    if let speed = report.speed, speed > maximumSpeed { return quarantine(report, .speed) }
    if let acceleration = report.longitudinalAcceleration, abs(acceleration) > limits.acceleration {
      return quarantine(report, .acceleration)
    }
    let speed = report.speed ?? maximumSpeed
    if let previous = last[report.id] {
      let seconds = Double(time - previous.time) / 1e9
      // Only reports close in time say anything about each other (ids are reused later).
      if seconds > 0, seconds < 5 {
        let reach = max(speed, previous.speed) * seconds * 1.5 + limits.jumpSlackMeters
        let moved =
          ((report.x - previous.x) * (report.x - previous.x)
          + (report.y - previous.y) * (report.y - previous.y)).squareRoot()
        if moved > reach { return quarantine(report, .positionJump) }
      }
    }
    last[report.id] = (time, report.x, report.y, speed)
    // Bounded: forget senders not heard for a while once the table grows.
    if last.count > 4096 { last = last.filter { time - $0.value.time < 5_000_000_000 } }
    return nil
  }

  private mutating func drop(_ reason: Reason) -> Reason {
    dropped[reason.rawValue] += 1
    return reason
  }

  private mutating func quarantine(_ report: AgentMeasurement, _ reason: Reason) -> Reason {
    quarantinedUntil[report.id] = report.generationTimeNanoseconds + limits.quarantineNanoseconds
    quarantines += 1
    if quarantinedUntil.count > 4096 {
      quarantinedUntil = quarantinedUntil.filter { $0.value > report.generationTimeNanoseconds }
    }
    return drop(reason)
  }
}
