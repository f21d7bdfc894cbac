/// A hash over every published frame's bytes (`grid` and `agents` messages, in order), so that
/// two replays can be compared by one line: `sightline replay DRIVE --digest`. FNV-1a with a
/// 64-bit state per lane over four interleaved lanes: fast (8 bytes a step) and fully
/// specified here, so the same bytes give the same digest on every machine. It detects
/// changes; it is not a cryptographic hash.
public struct FrameDigest: Sendable, Equatable {
  private var lanes: (UInt64, UInt64, UInt64, UInt64) = (
    0xcbf2_9ce4_8422_2325, 0x8422_2325_cbf2_9ce4, 0x9ce4_8422_2325_cbf2, 0x2325_cbf2_9ce4_8422
  )
  public private(set) var messages = 0
  public private(set) var bytes = 0

  public init() {}

  static let prime: UInt64 = 0x0000_0100_0000_01B3

  public mutating func add(_ message: [UInt8]) {
    message.withUnsafeBytes { add($0) }
  }

  public mutating func add(_ raw: UnsafeRawBufferPointer) {
    // The length first, so that message boundaries count.
    mix(UInt64(raw.count), lane: 0)
    var offset = 0
    var lane = 0
    while offset + 8 <= raw.count {
      mix(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian, lane: lane)
      offset += 8
      lane = (lane + 1) & 3
    }
    var tail: UInt64 = 0
    for index in offset..<raw.count { tail |= UInt64(raw[index]) << (8 * UInt64(index - offset)) }
    mix(tail, lane: lane)
    messages += 1
    bytes += raw.count
  }

  private mutating func mix(_ word: UInt64, lane: Int) {
    switch lane {
    case 0: lanes.0 = (lanes.0 ^ word) &* Self.prime
    case 1: lanes.1 = (lanes.1 ^ word) &* Self.prime
    case 2: lanes.2 = (lanes.2 ^ word) &* Self.prime
    default: lanes.3 = (lanes.3 ^ word) &* Self.prime
    }
  }

  /// 32 hex digits: the four lanes folded into 128 bits.
  public var hex: String {
    let high = (lanes.0 ^ (lanes.2 >> 1 | lanes.2 << 63)) &* Self.prime
    let low = (lanes.1 ^ (lanes.3 >> 1 | lanes.3 << 63)) &* Self.prime
    func digits(_ value: UInt64) -> String {
      let text = String(value, radix: 16)
      return String(repeating: "0", count: 16 - text.count) + text
    }
    return digits(high) + digits(low)
  }

  public static func == (a: FrameDigest, b: FrameDigest) -> Bool { a.hex == b.hex }
}
