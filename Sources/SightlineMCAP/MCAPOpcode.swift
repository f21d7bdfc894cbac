/// Record opcodes from the MCAP spec. Only the ones this module writes or reads by name.
enum MCAPOpcode {
  static let header: UInt8 = 0x01
  static let footer: UInt8 = 0x02
  static let schema: UInt8 = 0x03
  static let channel: UInt8 = 0x04
  static let message: UInt8 = 0x05
  static let chunk: UInt8 = 0x06
  static let messageIndex: UInt8 = 0x07
  static let chunkIndex: UInt8 = 0x08
  static let statistics: UInt8 = 0x0B
  static let summaryOffset: UInt8 = 0x0E
  static let dataEnd: UInt8 = 0x0F

  /// A record's name as the spec writes it, for error messages.
  static func name(_ opcode: UInt8) -> String {
    switch opcode {
    case 0x01: "Header"
    case 0x02: "Footer"
    case 0x03: "Schema"
    case 0x04: "Channel"
    case 0x05: "Message"
    case 0x06: "Chunk"
    case 0x07: "Message Index"
    case 0x08: "Chunk Index"
    case 0x09: "Attachment"
    case 0x0A: "Attachment Index"
    case 0x0B: "Statistics"
    case 0x0C: "Metadata"
    case 0x0D: "Metadata Index"
    case 0x0E: "Summary Offset"
    case 0x0F: "Data End"
    default: "opcode 0x" + String(opcode, radix: 16)
    }
  }
}
