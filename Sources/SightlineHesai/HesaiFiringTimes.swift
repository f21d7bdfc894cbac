/// When each return was fired, relative to its packet's timestamp: the firing-time tables of the
/// Hesai manuals as nebula applies them (`get_packet_relative_point_time_offset`). They change
/// the points' times only, never their positions.
enum HesaiFiringTimes {
  /// The block's part of the firing time.
  static func blockOffset(_ model: HesaiModel, block: Int, returns: Int) -> Int64 {
    switch model {
    case .pandar40P: Int64(-28_580 - 55_560 * ((10 - block - 1) / returns))
    case .pandar64: Int64(-42_580 - 55_560 * ((6 - block - 1) / returns))
    case .pandarQT64: Int64(25_710 + (500_000 * (block / returns)) / 3)
    case .pandarQT128: Int64(9_000 + 111_110 * (2 - block - 1) / returns)
    case .pandarXT16, .pandarXT32: Int64(xtBlock(blocks: 8, block, returns))
    // nebula counts 8 blocks below triple return although the XT32M sends 6; kept as it is.
    case .pandarXT32M: Int64(xtBlock(blocks: returns < 3 ? 8 : 6, block, returns))
    }
  }

  /// The QT128 fires its channels in two alternating sets (0 and 1); in dual return the tail's
  /// mode flag says which one this packet holds. The other models have one set.
  static func channelSet(_ model: HesaiModel, block: Int, returns: Int, modeFlag: UInt8) -> Int {
    guard model == .pandarQT128 else { return 0 }
    let firstSet = returns == 1 ? block % 2 == 0 : modeFlag & 1 != 0
    return firstSet ? 0 : 1
  }

  /// The channels' part of the firing time, per channel (0-based).
  static func channelOffsets(_ model: HesaiModel, set: Int) -> [Int] {
    switch model {
    case .pandar40P: pandar40P
    case .pandar64: pandar64
    case .pandarQT64: qt64
    case .pandarQT128: set == 0 ? qt128Loop1 : qt128Loop2
    case .pandarXT16: (0..<16).map { 368 + 3_024 * $0 }
    case .pandarXT32: (0..<32).map { 368 + 1_512 * $0 }
    case .pandarXT32M: (0..<32).map { 368 + 2_888 * ($0 % 16) }
    }
  }

  /// Nanoseconds between two firings (block groups) of the model: the manuals' firing cycle.
  static func firingPeriod(_ model: HesaiModel) -> Double {
    switch model {
    case .pandar40P, .pandar64: 55_560
    case .pandarQT64: 500_000.0 / 3
    case .pandarQT128: 111_110
    case .pandarXT16, .pandarXT32, .pandarXT32M: 50_000
    }
  }

  /// One model's channel offsets, read through raw pointers in the per-return loop.
  final class Table: @unchecked Sendable {
    let model: HesaiModel
    private let sets: [UnsafeMutableBufferPointer<Int32>]
    private let earliestInSet: [Int64]

    init(_ model: HesaiModel) {
      self.model = model
      sets = (0..<2).map { set in
        let offsets = channelOffsets(model, set: set)
        let table = UnsafeMutableBufferPointer<Int32>.allocate(capacity: offsets.count)
        for (channel, offset) in offsets.enumerated() { table[channel] = Int32(offset) }
        return table
      }
      earliestInSet = (0..<2).map { Int64(channelOffsets(model, set: $0).min()!) }
    }

    deinit { for set in sets { set.deallocate() } }

    /// The channel offsets of the set that fired `block`.
    @inline(__always) func channels(block: Int, returns: Int, modeFlag: UInt8)
      -> UnsafeMutableBufferPointer<Int32>
    {
      sets[channelSet(model, block: block, returns: returns, modeFlag: modeFlag)]
    }

    /// The earliest firing of the return group starting at `block`: a scan's start time.
    func earliest(block: Int, returns: Int, modeFlag: UInt8) -> Int64 {
      var earliest = Int64.max
      for group in block..<(block + returns) {
        let set = channelSet(model, block: group, returns: returns, modeFlag: modeFlag)
        earliest = min(
          earliest, blockOffset(model, block: group, returns: returns) + earliestInSet[set])
      }
      return earliest
    }
  }

  private static func xtBlock(blocks: Int, _ block: Int, _ returns: Int) -> Int {
    5_632 - 50_000 * ((blocks - block - 1) / returns)
  }

  // MARK: - tables (ns), per channel (0-based)

  private static let pandar40P: [Int] = [
    -42220, -28470, -16040, -3620, -45490, -31740, -47460, -54670, -20620, -33710,
    -40910, -8190, -20620, -27160, -50730, -8190, -14740, -36980, -45490, -52700,
    -23890, -31740, -38950, -11470, -18650, -25190, -48760, -6230, -12770, -35010,
    -21920, -9500, -43520, -29770, -17350, -4920, -42220, -28470, -16040, -3620,
  ]

  private static let pandar64: [Int] = [
    -23180, -21876, -20572, -19268, -17964, -16660, -11444, -46796, -7532, -36956, -50732,
    -54668, -40892, -44828, -31052, -34988, -48764, -52700, -38924, -42860, -29084, -33020,
    -46796, -25148, -36956, -50732, -27116, -40892, -44828, -31052, -34988, -48764, -25148,
    -38924, -42860, -29084, -33020, -52700, -6228, -54668, -15356, -27116, -10140, -23180,
    -4924, -21876, -14052, -17964, -8836, -19268, -3620, -20572, -12748, -16660, -7532,
    -11444, -6228, -15356, -10140, -4924, -3620, -14052, -8836, -12748,
  ]

  /// Channel 56 is 129.60 µs as the QT64 manual's sequence requires; nebula's table has 12960,
  /// a digit short.
  private static let qt64: [Int] = [
    12310, 14370, 16430, 18490, 20540, 22600, 24660, 26710, 29160, 31220, 33280,
    35340, 37390, 39450, 41500, 43560, 46610, 48670, 50730, 52780, 54840, 56900,
    58950, 61010, 63450, 65520, 67580, 69630, 71690, 73740, 75800, 77860, 80900,
    82970, 85020, 87080, 89140, 91190, 93250, 95300, 97750, 99820, 101870, 103930,
    105980, 108040, 110100, 112150, 115200, 117260, 119320, 121380, 123430, 125490, 127540,
    129600, 132050, 134110, 136170, 138220, 140280, 142340, 144390, 146450,
  ]

  /// Channels 0–31 do not fire in this set.
  private static let qt128Loop1: [Int] =
    [Int](repeating: 0, count: 32) + [
      27656, 53000, 2312, 78344, 81512, 5480, 56168,
      30824, 33992, 59336, 8648, 84680, 87848, 11816, 62504, 37160, 40328, 65672, 14984, 91016,
      94184, 18152, 68840, 43496, 46664, 72008, 21320, 97352, 100520, 24488, 75176, 49832, 1456,
      77488, 26800, 52144, 55312, 29968, 80656, 4624, 7792, 83824, 33136, 58480, 61648, 36304,
      86992, 10960, 14128, 90160, 39472, 64816, 67984, 42640, 93328, 17296, 20464, 96496, 45808,
      71152, 74320, 48976, 99664, 23632, 25944, 51288, 600, 76632, 79800, 3768, 54456, 29112,
      32280, 57624, 6936, 82968, 86136, 10104, 60792, 35448, 38616, 63960, 13272, 89304, 92472,
      16440, 67128, 41784, 44952, 70296, 19608, 95640, 98808, 22776, 73464, 48120,
    ]

  /// Channels 32–63 do not fire in this set.
  private static let qt128Loop2: [Int] =
    [
      2312, 78344, 27656, 53000, 56168, 30824, 81512, 5480, 8648, 84680, 33992, 59336, 62504,
      37160, 87848, 11816, 14984, 91016, 40328, 65672, 68840, 43496, 94184, 18152, 21320, 97352,
      46664, 72008, 75176, 49832, 100520, 24488,
    ] + [Int](repeating: 0, count: 32) + [
      600,
      76632, 25944, 51288, 54456, 29112, 79800, 3768, 6936, 82968, 32280, 57624, 60792, 35448,
      86136, 10104, 13272, 89304, 38616, 63960, 67128, 41784, 92472, 16440, 19608, 95640, 44952,
      70296, 73464, 48120, 98808, 22776, 26800, 52144, 1456, 77488, 80656, 4624, 55312, 29968,
      33136, 58480, 7792, 83824, 86992, 10960, 61648, 36304, 39472, 64816, 14128, 90160, 93328,
      17296, 67984, 42640, 45808, 71152, 20464, 96496, 99664, 23632, 74320, 48976,
    ]
}
