/// Little-endian appends onto a byte buffer; the writer's only way of building records.
extension Array where Element == UInt8 {
  @inline(__always) mutating func appendLittleEndian(_ value: UInt16) {
    append(UInt8(truncatingIfNeeded: value))
    append(UInt8(truncatingIfNeeded: value >> 8))
  }

  @inline(__always) mutating func appendLittleEndian(_ value: UInt32) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  @inline(__always) mutating func appendLittleEndian(_ value: UInt64) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  /// Opcode + content length: the prefix of every record.
  @inline(__always) mutating func appendRecordPrefix(_ opcode: UInt8, contentLength: UInt64) {
    append(opcode)
    appendLittleEndian(contentLength)
  }

  /// u32 byte length + UTF-8 bytes. Callers check the length fits (`MCAPWriter` does on entry).
  mutating func appendPrefixedString(_ string: String) {
    var string = string
    string.withUTF8 { utf8 in
      appendLittleEndian(UInt32(truncatingIfNeeded: utf8.count))
      append(contentsOf: utf8)
    }
  }

  /// Overwrites 8 bytes at `offset`: lengths known only after the content is built.
  mutating func overwriteLittleEndian(_ value: UInt64, at offset: Int) {
    for byteIndex in 0..<8 {
      self[offset + byteIndex] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byteIndex)))
    }
  }
}
