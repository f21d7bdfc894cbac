/// Time of a J2735 message from its `secMark` (milliseconds within the UTC minute), resolved
/// against the receive time with the ±30 s rule, so a minute rollover between sending and
/// receiving is handled and a message stamped in the future stays visibly negative.
public enum SecMark {
  public static let unavailable: UInt16 = 65535
  public static let nanosecondsPerMinute: Int64 = 60_000_000_000

  /// Age in milliseconds (receive − generation), or nil when secMark carries no time
  /// (65535, or a leap second 60000–60999 that cannot be placed without leap-second tables).
  public static func ageMilliseconds(secMark: UInt16, receiveTimeNanoseconds: Int64) -> Int64? {
    guard secMark < 60000 else { return nil }
    let receivedWithinMinute =
      ((receiveTimeNanoseconds % nanosecondsPerMinute) + nanosecondsPerMinute)
      % nanosecondsPerMinute / 1_000_000
    var age = (receivedWithinMinute - Int64(secMark) + 60000) % 60000
    if age >= 30000 { age -= 60000 }
    return age
  }

  /// Generation time in UTC nanoseconds, at millisecond resolution.
  public static func generationTime(secMark: UInt16, receiveTimeNanoseconds: Int64) -> Int64? {
    guard
      let age = ageMilliseconds(secMark: secMark, receiveTimeNanoseconds: receiveTimeNanoseconds)
    else { return nil }
    let receivedMillis = receiveTimeNanoseconds / 1_000_000
    return (receivedMillis - age) * 1_000_000
  }
}

/// What the stream hygiene made of one message.
public enum Admission: Equatable, Sendable {
  /// New; `ageMilliseconds` is nil when the message carries no usable time.
  case fresh(ageMilliseconds: Int64?, outOfOrder: Bool)
  /// The same (id, msgCnt, secMark) was seen recently, e.g. through a second radio.
  case duplicate
  /// Older than the staleness limit when it arrived.
  case stale(ageMilliseconds: Int64)
}

/// Drops duplicates and stale messages and notices out-of-order arrival per sender, in bounded
/// memory: it remembers the last `capacity` messages and at most `capacity` senders.
public struct StreamHygiene: Sendable {
  public let staleAfterMilliseconds: Int64
  public let capacity: Int
  /// Keys of recent messages, oldest first (a ring), and the same keys for lookup.
  var recent: [UInt64]
  var recentNext = 0
  var recentCount = 0
  var seen: Set<UInt64>
  /// Per sender id: the latest generation time seen (UTC ns) and when it was last heard.
  var senders: [UInt32: (latest: Int64, heard: Int64)]
  public private(set) var outOfOrder = 0

  public init(staleAfterMilliseconds: Int64 = 2000, capacity: Int = 8192) {
    self.staleAfterMilliseconds = staleAfterMilliseconds
    self.capacity = capacity
    recent = Array(repeating: 0, count: capacity)
    seen = Set(minimumCapacity: capacity)
    senders = Dictionary(minimumCapacity: capacity)
  }

  public mutating func admit(
    id: UInt32, msgCnt: UInt8, secMark: UInt16, receiveTimeNanoseconds: Int64
  ) -> Admission {
    let key = UInt64(id) << 32 | UInt64(msgCnt) << 16 | UInt64(secMark)
    if seen.contains(key) { return .duplicate }
    let age = SecMark.ageMilliseconds(
      secMark: secMark, receiveTimeNanoseconds: receiveTimeNanoseconds)
    if let age, age > staleAfterMilliseconds { return .stale(ageMilliseconds: age) }
    remember(key)

    var late = false
    if let generated = SecMark.generationTime(
      secMark: secMark, receiveTimeNanoseconds: receiveTimeNanoseconds)
    {
      if let previous = senders[id], generated < previous.latest {
        late = true
        outOfOrder += 1
        senders[id] = (previous.latest, receiveTimeNanoseconds)
      } else {
        if senders[id] == nil && senders.count >= capacity { forgetQuietestSender() }
        senders[id] = (generated, receiveTimeNanoseconds)
      }
    }
    return .fresh(ageMilliseconds: age, outOfOrder: late)
  }

  mutating func remember(_ key: UInt64) {
    if recentCount == capacity {
      seen.remove(recent[recentNext])
    } else {
      recentCount += 1
    }
    recent[recentNext] = key
    seen.insert(key)
    recentNext = (recentNext + 1) % capacity
  }

  /// Rare: more senders than capacity. Drop the one heard from longest ago.
  mutating func forgetQuietestSender() {
    guard let quietest = senders.min(by: { $0.value.heard < $1.value.heard })?.key else { return }
    senders.removeValue(forKey: quietest)
  }

  public var sendersTracked: Int { senders.count }
}
