/// What became of every V2X message received: each lands in exactly one of the accepted,
/// known-not-decoded or dropped counts. Plain numbers (no arrays), so that handing a copy to
/// another thread never makes the next count copy storage.
public struct V2XCounters: Sendable, Equatable, Codable {
  public var received = 0
  public var bsm = 0
  public var psm = 0
  /// Recognised J2735 messages that this runtime does not decode (SPaT, MAP, TIM, …).
  public var knownNotDecoded = 0
  public var dropped = DropCounts()
  public var outOfOrder = 0
  public var signed = 0

  public init() {}

  public var accepted: Int { bsm + psm }
  public var totalDropped: Int { dropped.total }
  /// Every received message is exactly one of these.
  public var balances: Bool { received == accepted + knownNotDecoded + totalDropped }

  /// One count per `V2XDropReason`, indexed by the reason or its raw value; encoded as the list
  /// of counts in the reasons' order.
  public struct DropCounts: Sendable, Equatable, Codable {
    private var counts: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0)

    public init() {}

    public subscript(reason: V2XDropReason) -> Int {
      get {
        switch reason {
        case .oversized: counts.0
        case .malformed: counts.1
        case .unknownType: counts.2
        case .duplicate: counts.3
        case .stale: counts.4
        }
      }
      set {
        switch reason {
        case .oversized: counts.0 = newValue
        case .malformed: counts.1 = newValue
        case .unknownType: counts.2 = newValue
        case .duplicate: counts.3 = newValue
        case .stale: counts.4 = newValue
        }
      }
    }

    public subscript(index: Int) -> Int {
      get { self[V2XDropReason(rawValue: index)!] }
      set { self[V2XDropReason(rawValue: index)!] = newValue }
    }

    public var total: Int { V2XDropReason.allCases.reduce(0) { $0 + self[$1] } }

    public static func == (a: DropCounts, b: DropCounts) -> Bool {
      V2XDropReason.allCases.allSatisfy { a[$0] == b[$0] }
    }

    public init(from decoder: any Decoder) throws {
      var container = try decoder.unkeyedContainer()
      for reason in V2XDropReason.allCases where !container.isAtEnd {
        self[reason] = try container.decode(Int.self)
      }
    }

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.unkeyedContainer()
      for reason in V2XDropReason.allCases { try container.encode(self[reason]) }
    }
  }
}
