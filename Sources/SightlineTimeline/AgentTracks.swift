// AgentTracks: V2X agents as tracks keyed by their temporary id, each holding a bounded ring of its
// latest measurements, extrapolated to any query time. One id, one track: identities are never
// guessed across id changes. Bounded in tracks and in history; every loss is counted.

/// What kind of road user sent the message (BSM → vehicle; PSM basicType → the rest).
public enum AgentKind: Sendable, Equatable, Hashable {
  case vehicle, pedestrian, cyclist, other
}

/// One decoded V2X report in the local metric frame. nil means the message carried the
/// "unavailable" sentinel: it is never read as a number.
public struct AgentMeasurement: Sendable, Equatable {
  /// The sender's temporary id (changes for privacy).
  public var id: UInt32
  public var kind: AgentKind
  /// When the sender stamped it (UTC ns, from secMark).
  public var generationTimeNanoseconds: Int64
  /// When we received it (UTC ns, host clock).
  public var receiveTimeNanoseconds: Int64
  /// Metres east / north in the local frame.
  public var x: Double
  public var y: Double
  /// m/s.
  public var speed: Double?
  /// Radians counter-clockwise from east.
  public var heading: Double?
  /// m/s².
  public var longitudinalAcceleration: Double?
  /// rad/s, counter-clockwise positive.
  public var yawRate: Double?
  /// 1σ position ellipse: axes in metres, orientation of the semi-major axis in radians CCW
  /// from east.
  public var accuracySemiMajor: Double?
  public var accuracySemiMinor: Double?
  public var accuracyOrientation: Double?
  /// Metres.
  public var length: Double?
  public var width: Double?

  public init(
    id: UInt32, kind: AgentKind, generationTimeNanoseconds: Int64, receiveTimeNanoseconds: Int64,
    x: Double, y: Double, speed: Double? = nil, heading: Double? = nil,
    longitudinalAcceleration: Double? = nil, yawRate: Double? = nil,
    accuracySemiMajor: Double? = nil, accuracySemiMinor: Double? = nil,
    accuracyOrientation: Double? = nil, length: Double? = nil, width: Double? = nil
  ) {
    self.id = id
    self.kind = kind
    self.generationTimeNanoseconds = generationTimeNanoseconds
    self.receiveTimeNanoseconds = receiveTimeNanoseconds
    self.x = x
    self.y = y
    self.speed = speed
    self.heading = heading
    self.longitudinalAcceleration = longitudinalAcceleration
    self.yawRate = yawRate
    self.accuracySemiMajor = accuracySemiMajor
    self.accuracySemiMinor = accuracySemiMinor
    self.accuracyOrientation = accuracyOrientation
    self.length = length
    self.width = width
  }

  /// The older of the two stamps: a track ages by whichever clock says it is older, so a
  /// future-dated sender cannot keep itself alive.
  var ageReference: Int64 { min(generationTimeNanoseconds, receiveTimeNanoseconds) }
}

/// The messages of one temporary id: the latest plus a fixed-size ring of recent ones.
public struct AgentTrack: Sendable {
  public let id: UInt32
  /// Messages accepted into this track since it started.
  public private(set) var observations: Int
  private var ring: [AgentMeasurement]  // capacity fixed at init; never grows past it
  private var head: Int  // index of the latest
  private let historyLength: Int

  init(first: AgentMeasurement, historyLength: Int) {
    id = first.id
    self.historyLength = max(1, historyLength)
    ring = []
    ring.reserveCapacity(self.historyLength)
    ring.append(first)
    head = 0
    observations = 1
  }

  public var latest: AgentMeasurement { ring[head] }
  public var kind: AgentKind { latest.kind }
  /// How many measurements the ring holds now (≤ historyLength).
  public var historyCount: Int { ring.count }

  /// The measurement `back` steps before the latest (0 = latest), nil past the ring.
  public func measurement(back: Int) -> AgentMeasurement? {
    guard back >= 0, back < ring.count else { return nil }
    var index = head - back
    if index < 0 { index += ring.count }
    return ring[index]
  }

  mutating func append(_ m: AgentMeasurement) {
    observations += 1
    if ring.count < historyLength {
      ring.append(m)
      head = ring.count - 1
    } else {
      head = head + 1 == historyLength ? 0 : head + 1
      ring[head] = m
    }
  }
}

/// All live agent tracks, bounded. Owned by the frame loop; not shared across threads.
public struct AgentTrackStore: Sendable {
  public let maximumAgeNanoseconds: Int64
  public let capacity: Int
  public let historyLength: Int

  /// Tracks expired after `maximumAgeSeconds` without a message.
  public private(set) var dropped: Int = 0
  /// New ids refused because the store was full of live tracks. A flood of new ids (a Sybil
  /// attack, a storm of test senders) must not push out the agents already tracked, so a full
  /// store expires silent tracks and otherwise refuses newcomers.
  public private(set) var refusedFull: Int = 0
  /// When a full store last looked for expired tracks: once per 100 ms at most, so that a
  /// flood of refusals costs O(1) each.
  private var lastFullSweep: Int64?
  /// Measurements older than their track's latest (rejected).
  public private(set) var outOfOrder: Int = 0
  /// Measurements stamped the same as their track's latest (rejected).
  public private(set) var duplicates: Int = 0
  /// Measurements with a non-finite position or the Int64 time extremes (rejected).
  public private(set) var invalid: Int = 0

  /// Process noise per agent kind (defaults: `MotionModel.ProcessNoise.standard(for:)`).
  public var vehicleNoise = MotionModel.ProcessNoise.vehicle
  public var pedestrianNoise = MotionModel.ProcessNoise.pedestrian
  public var cyclistNoise = MotionModel.ProcessNoise.cyclist
  public var otherNoise = MotionModel.ProcessNoise.other

  // Dense array + index: removal swaps the last in, so output order depends only on the input
  // sequence (replays stay deterministic), unlike Dictionary iteration order.
  private var tracks: [AgentTrack]
  private var index: [UInt32: Int]

  public init(maximumAgeSeconds: Double = 1.0, capacity: Int = 4096, historyLength: Int = 20) {
    let age = maximumAgeSeconds.isFinite ? max(0, maximumAgeSeconds) : 1.0
    maximumAgeNanoseconds = Int64(min(age, 9e9) * 1e9)
    self.capacity = max(1, capacity)
    self.historyLength = max(1, historyLength)
    tracks = []
    tracks.reserveCapacity(self.capacity)
    index = Dictionary(minimumCapacity: self.capacity)
  }

  /// Live tracks (some may be due to expire at the next `agents(at:into:)`).
  public var count: Int { tracks.count }

  public func track(id: UInt32) -> AgentTrack? {
    index[id].map { tracks[$0] }
  }

  public func processNoise(for kind: AgentKind) -> MotionModel.ProcessNoise {
    switch kind {
    case .vehicle: vehicleNoise
    case .pedestrian: pedestrianNoise
    case .cyclist: cyclistNoise
    case .other: otherNoise
    }
  }

  /// Adds a measurement to its id's track (or starts one). False when it is not newer than the
  /// track's latest (out of order or duplicate) or unusable; each case is counted.
  @discardableResult
  public mutating func observe(_ m: AgentMeasurement) -> Bool {
    guard m.x.isFinite, m.y.isFinite, m.generationTimeNanoseconds != .min,
      m.generationTimeNanoseconds != .max
    else {
      invalid += 1
      return false
    }
    if let i = index[m.id] {
      let latest = tracks[i].latest
      if m.generationTimeNanoseconds < latest.generationTimeNanoseconds {
        outOfOrder += 1
        return false
      }
      if m.generationTimeNanoseconds == latest.generationTimeNanoseconds {
        duplicates += 1
        return false
      }
      if isExpired(latest, at: m.ageReference) {
        // Silent past the maximum age: the old track ended; this starts a new one.
        dropped += 1
        tracks[i] = AgentTrack(first: m, historyLength: historyLength)
      } else {
        tracks[i].append(m)
      }
      return true
    }
    if tracks.count >= capacity {
      let now = m.ageReference
      if lastFullSweep.map({ now < $0 || now - $0 >= 100_000_000 }) ?? true {
        lastFullSweep = now
        expire(at: now)
      }
      if tracks.count >= capacity {
        refusedFull += 1
        return false
      }
    }
    index[m.id] = tracks.count
    tracks.append(AgentTrack(first: m, historyLength: historyLength))
    return true
  }

  /// Replaces `out` with one agent per live track, extrapolated from its latest measurement to
  /// `time`. Tracks silent for longer than the maximum age are dropped first (counted).
  public mutating func agents(at time: Int64, into out: inout [ExtrapolatedAgent]) {
    out.removeAll(keepingCapacity: true)
    var i = 0
    while i < tracks.count {
      let latest = tracks[i].latest
      if isExpired(latest, at: time) {
        dropped += 1
        remove(at: i)
        continue
      }
      out.append(
        MotionModel.extrapolate(latest, to: time, processNoise: processNoise(for: latest.kind)))
      i += 1
    }
  }

  /// Removes every track now older than the maximum age at `time`, counted as dropped.
  public mutating func expire(at time: Int64) {
    var i = 0
    while i < tracks.count {
      if isExpired(tracks[i].latest, at: time) {
        dropped += 1
        remove(at: i)
      } else {
        i += 1
      }
    }
  }

  /// Ends `id`'s track now (a quarantined sender); false when there was none.
  @discardableResult
  public mutating func remove(id: UInt32) -> Bool {
    guard let i = index[id] else { return false }
    remove(at: i)
    return true
  }

  private func isExpired(_ latest: AgentMeasurement, at time: Int64) -> Bool {
    let (age, overflow) = time.subtractingReportingOverflow(latest.ageReference)
    return overflow ? time > latest.ageReference : age > maximumAgeNanoseconds
  }

  private mutating func remove(at i: Int) {
    index[tracks[i].id] = nil
    let last = tracks.count - 1
    if i != last {
      tracks.swapAt(i, last)
      index[tracks[i].id] = i
    }
    tracks.removeLast()
  }
}
