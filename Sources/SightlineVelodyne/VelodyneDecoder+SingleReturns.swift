// A single-return packet's points as a sequence, for `Array.append(contentsOf:)`.
import SightlineLidar

extension VelodyneDecoder {
  /// The returns of one single-return packet in block and channel order, skipping empty channels
  /// and counting those the range gate drops into `outOfRange`.
  struct SingleReturns: Sequence, IteratorProtocol {
    let decoder: VelodyneDecoder
    let packet: Packet
    let banked: Bool
    let blocksPerColumn: Int
    let returnType: UInt8
    let outOfRange: UnsafeMutablePointer<Int>
    var block = 0
    var channel = 0
    /// The column and bank of `block`, worked out once per block (a division).
    var column = 0
    var bank = 0

    init(
      decoder: VelodyneDecoder, packet: Packet, banked: Bool, blocksPerColumn: Int,
      returnType: UInt8, outOfRange: UnsafeMutablePointer<Int>
    ) {
      self.decoder = decoder
      self.packet = packet
      self.banked = banked
      self.blocksPerColumn = blocksPerColumn
      self.returnType = returnType
      self.outOfRange = outOfRange
    }

    @inline(__always) mutating func next() -> LidarPoint? {
      typealias L = VelodynePacketLayout
      while block < L.blockCount {
        let at = (block: block, channel: channel, column: column, bank: bank)
        channel += 1
        if channel == L.channelsPerBlock {
          channel = 0
          block += 1
          column = block / blocksPerColumn
          bank = banked ? block % 4 : 0
        }
        guard
          packet.payload.littleEndianUInt16(
            at: packet.returnOffset(block: at.block, channel: at.channel)) != 0
        else { continue }
        if let point = decoder.point(
          packet, block: at.block, channel: at.channel, bank: at.bank, column: at.column,
          returnType: returnType)
        {
          return point
        }
        outOfRange.pointee += 1
      }
      return nil
    }
  }
}
