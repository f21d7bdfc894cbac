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
}
