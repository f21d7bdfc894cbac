import SightlineV2X

/// The latest message of each V2X sender, bounded. The placeholder for [D]'s track store:
/// enough to say, per frame, which agents were heard recently.
public struct V2XAgents: Sendable {
  public let capacity: Int
  var latest: [UInt32: V2XObservation]

  public init(capacity: Int = 4096) {
    self.capacity = capacity
    latest = Dictionary(minimumCapacity: capacity)
  }

  public mutating func observe(_ observation: V2XObservation) {
    let id: UInt32
    switch observation.message {
    case .bsm(let bsm): id = bsm.coreData.id
    case .psm(let psm): id = psm.id
    }
    if latest[id] == nil, latest.count >= capacity,
      let oldest = latest.min(by: {
        $0.value.receiveTimeNanoseconds < $1.value.receiveTimeNanoseconds
      })
    {
      latest.removeValue(forKey: oldest.key)
    }
    latest[id] = observation
  }

  /// Senders heard within `window` nanoseconds up to `time` (receive clock).
  public func heard(at time: Int64, within window: Int64 = 1_000_000_000) -> Int {
    latest.values.reduce(0) { count, observation in
      let age = time - observation.receiveTimeNanoseconds
      return count + (age >= 0 && age <= window ? 1 : 0)
    }
  }
}
