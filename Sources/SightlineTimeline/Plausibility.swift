/// V2X misbehaviour checks on what senders report, before it reaches the tracks: anyone in
/// radio range can transmit a BSM, so a report that no real road user could make is dropped,
/// and its sender is quarantined for a while (counted, never silently).
/// - speed beyond what its kind can do (a car at 150 m/s, a pedestrian at 20 m/s);
/// - longitudinal acceleration beyond what tyres allow;
/// - a position jump that speed × time cannot explain, which is also how one temporary id at
///   two far-apart places shows (two senders, or a spoofer, using the same id);
/// - (from the frame loop) a position that LiDAR has seen free for several frames in a row.
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
    /// LiDAR saw the painted position free for several frames (the track is removed).
    case lidarContradiction
    /// From a sender in quarantine.
    case quarantined

    public var description: String {
      switch self {
      case .speed: "implausible_speed"
      case .acceleration: "implausible_acceleration"
      case .positionJump: "position_jump"
      case .lidarContradiction: "lidar_contradiction"
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
  /// The tables are pruned at most once a second of report time: a flood of new ids must not
  /// make every check walk them.
  private var lastPrune: Int64?
  static let tableLimit = 4096

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
    if last.count > Self.tableLimit { prune(at: time) }
    return nil
  }

  /// Bounded memory: forgets senders not heard for 5 s and ended quarantines; if a flood of
  /// fresh ids still overfills the history, it is forgotten whole (jumps need two reports close
  /// in time, so at worst a jump goes unseen; quarantines are kept up to twice the limit).
  private mutating func prune(at time: Int64) {
    guard
      lastPrune.map({ time < $0 || time - $0 >= 1_000_000_000 }) ?? true
        || last.count > 4 * Self.tableLimit
        || quarantinedUntil.count > 4 * Self.tableLimit
    else { return }
    lastPrune = time
    last = last.filter { time - $0.value.time < 5_000_000_000 }
    if last.count > 2 * Self.tableLimit { last.removeAll(keepingCapacity: true) }
    quarantinedUntil = quarantinedUntil.filter { $0.value > time }
    // A flood of misbehaving ids: beyond 16k live quarantines the table starts over (each
    // such id is caught again by its next implausible report).
    if quarantinedUntil.count > 4 * Self.tableLimit {
      quarantinedUntil.removeAll(keepingCapacity: true)
    }
  }

  /// Senders whose quarantine runs past `time`.
  public func quarantinedSenders(at time: Int64) -> Int {
    var count = 0
    for until in quarantinedUntil.values where until > time { count += 1 }
    return count
  }

  /// The frame loop's rule: LiDAR saw this sender's painted position free for several frames
  /// in a row. Quarantines the sender from `time` (counted).
  public mutating func quarantineForLidarContradiction(id: UInt32, at time: Int64) {
    quarantinedUntil[id] = time + limits.quarantineNanoseconds
    last[id] = nil
    quarantines += 1
    dropped[Reason.lidarContradiction.rawValue] += 1
  }

  private mutating func drop(_ reason: Reason) -> Reason {
    dropped[reason.rawValue] += 1
    return reason
  }

  private mutating func quarantine(_ report: AgentMeasurement, _ reason: Reason) -> Reason {
    quarantinedUntil[report.id] = report.generationTimeNanoseconds + limits.quarantineNanoseconds
    quarantines += 1
    if quarantinedUntil.count > Self.tableLimit { prune(at: report.generationTimeNanoseconds) }
    return drop(reason)
  }
}
