// SightlineMCAP byte cursor: the reader's only way into a record's content. Every field read is
// bounds-checked against the record, and the Schema, Channel, Statistics and Chunk Index records
// are decoded here into their public types.

/// Reads fields from one record's content; running out is a malformed record, not a trap.
struct ByteCursor {
  private let bytes: [UInt8]
  private(set) var position: Int
  private let end: Int
  private let recordName: String

  init(_ bytes: [UInt8], _ range: Range<Int>, record recordName: String) {
    self.bytes = bytes
    self.position = range.lowerBound
    self.end = range.upperBound
    self.recordName = recordName
  }

  var isAtEnd: Bool { position >= end }

  /// The remaining bytes (a Message's payload).
  mutating func rest() -> Range<Int> {
    defer { position = end }
    return position..<end
  }

  mutating func take(_ count: Int) throws(MCAPError) -> Range<Int> {
    guard count >= 0, count <= end - position else {
      throw .malformed(offset: position, reason: "\(recordName) record ends inside a field")
    }
    defer { position += count }
    return position..<(position + count)
  }

  /// Skips bytes; returns true so it can sit in a condition list.
  mutating func skip(_ count: Int) throws(MCAPError) -> Bool {
    _ = try take(count)
    return true
  }

  mutating func u8() throws(MCAPError) -> UInt8 {
    let range = try take(1)
    return bytes[range.lowerBound]
  }

  mutating func u16() throws(MCAPError) -> UInt16 { UInt16(try little(2)) }

  mutating func u32() throws(MCAPError) -> UInt32 { UInt32(try little(4)) }

  mutating func u64() throws(MCAPError) -> UInt64 { try little(8) }

  private mutating func little(_ count: Int) throws(MCAPError) -> UInt64 {
    let range = try take(count)
    var value: UInt64 = 0
    for index in range.reversed() { value = value << 8 | UInt64(bytes[index]) }
    return value
  }

  /// A u64 file offset that must not exceed `limit`.
  mutating func offset(limit: Int, field: String) throws(MCAPError) -> Int {
    let start = position
    let value = try u64()
    guard value <= UInt64(limit) else {
      throw .malformed(offset: start, reason: "\(field) \(value) is past the footer")
    }
    return Int(value)
  }

  /// u32 length-prefixed bytes (strings, arrays, maps, schema data).
  mutating func bytes32() throws(MCAPError) -> Range<Int> { try take(Int(try u32())) }

  /// u64 length-prefixed bytes (chunk records).
  mutating func bytes64() throws(MCAPError) -> Range<Int> {
    let start = position
    let length = try u64()
    guard length <= UInt64(end - position) else {
      throw .malformed(offset: start, reason: "\(recordName) record ends inside a field")
    }
    return try take(Int(length))
  }

  mutating func string() throws(MCAPError) -> String {
    String(decoding: bytes[try bytes32()], as: UTF8.self)
  }

  /// The `map<u16, u64>` of Statistics and Chunk Index records.
  mutating func idMap() throws(MCAPError) -> [UInt16: UInt64] {
    var entries = ByteCursor(bytes, try bytes32(), record: recordName)
    var map: [UInt16: UInt64] = [:]
    while !entries.isAtEnd {
      let key = try entries.u16()
      map[key] = try entries.u64()
    }
    return map
  }

  mutating func schema() throws(MCAPError) -> MCAPSchema {
    let id = try u16()
    let name = try string()
    let encoding = try string()
    let data = Array(bytes[try bytes32()])
    return MCAPSchema(id: id, name: name, encoding: encoding, data: data)
  }

  mutating func channel() throws(MCAPError) -> MCAPChannel {
    let id = try u16()
    let schemaID = try u16()
    let topic = try string()
    let messageEncoding = try string()
    var entries = ByteCursor(bytes, try bytes32(), record: recordName)
    var metadata: [String: String] = [:]
    while !entries.isAtEnd {
      let key = try entries.string()
      metadata[key] = try entries.string()
    }
    return MCAPChannel(
      id: id, schemaID: schemaID, topic: topic, messageEncoding: messageEncoding,
      metadata: metadata)
  }

  mutating func statistics() throws(MCAPError) -> MCAPStatistics {
    MCAPStatistics(
      messageCount: try u64(), schemaCount: try u16(), channelCount: try u32(),
      attachmentCount: try u32(), metadataCount: try u32(), chunkCount: try u32(),
      messageStartTime: try u64(), messageEndTime: try u64(), channelMessageCounts: try idMap())
  }

  mutating func chunkIndex() throws(MCAPError) -> MCAPChunkIndex {
    MCAPChunkIndex(
      messageStartTime: try u64(), messageEndTime: try u64(), chunkStartOffset: try u64(),
      chunkLength: try u64(), messageIndexOffsets: try idMap(), messageIndexLength: try u64(),
      compression: try string(), compressedSize: try u64(), uncompressedSize: try u64())
  }
}
