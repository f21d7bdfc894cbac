// Protobuf wire format written straight into a reusable byte buffer, so that publishing a frame
// allocates nothing. Fields are written in field-number order and proto3 defaults are left out,
// exactly as protoc's generated code does: the tests compare bytes with SwiftProtobuf's output.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension [UInt8] {
  mutating func protoVarint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    append(UInt8(value))
  }

  /// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
  mutating func protoTag(_ field: UInt32, _ wireType: UInt32) {
    protoVarint(UInt64(field << 3 | wireType))
  }

  mutating func protoUInt(_ field: UInt32, _ value: UInt64) {
    guard value != 0 else { return }
    protoTag(field, 0)
    protoVarint(value)
  }

  mutating func protoInt(_ field: UInt32, _ value: Int64) {
    protoUInt(field, UInt64(bitPattern: value))
  }

  mutating func protoBool(_ field: UInt32, _ value: Bool) {
    protoUInt(field, value ? 1 : 0)
  }

  /// `present` writes the field even when it is 0 (proto3 `optional`).
  mutating func protoFloat(_ field: UInt32, _ value: Float, present: Bool = false) {
    guard present || value.bitPattern != 0 else { return }
    protoTag(field, 5)
    littleEndian(value.bitPattern)
  }

  mutating func protoDouble(_ field: UInt32, _ value: Double) {
    guard value.bitPattern != 0 else { return }
    protoTag(field, 1)
    littleEndian(value.bitPattern)
  }

  mutating func protoBytes(_ field: UInt32, _ bytes: UnsafeRawBufferPointer) {
    guard !bytes.isEmpty else { return }
    protoTag(field, 2)
    protoVarint(UInt64(bytes.count))
    append(contentsOf: bytes)
  }

  mutating func protoString(_ field: UInt32, _ text: String) {
    var text = text
    text.withUTF8 { protoBytes(field, UnsafeRawBufferPointer($0)) }
  }

  /// A nested message, written in place: its length is patched in afterwards, moving the body
  /// only when the length needs more than one byte.
  mutating func protoMessage(_ field: UInt32, _ body: (inout [UInt8]) -> Void) {
    protoTag(field, 2)
    let lengthAt = count
    append(0)
    let start = count
    body(&self)
    let length = count - start
    var lengthBytes = 1
    while length >> (7 * lengthBytes) != 0 { lengthBytes += 1 }
    if lengthBytes > 1 {
      append(contentsOf: repeatElement(0, count: lengthBytes - 1))
      withUnsafeMutableBytes { raw in
        let base = raw.baseAddress!
        _ = memmove(base + start + lengthBytes - 1, base + start, length)
      }
    }
    var value = length
    for index in 0..<lengthBytes {
      self[lengthAt + index] = UInt8(value & 0x7F) | (index < lengthBytes - 1 ? 0x80 : 0)
      value >>= 7
    }
  }

  mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }
}
