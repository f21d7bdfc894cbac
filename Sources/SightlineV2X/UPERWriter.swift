// UPERWriter: the mirror of UPERReader, a bit writer for ASN.1 unaligned PER (X.691).
// Every field write checks its ASN.1 range first and throws a typed error, so a bad value can
// never trap or produce bits another decoder would misread. The buffer can be reused.

/// Why a value could not be encoded.
public enum V2XEncodeError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A value lies outside its ASN.1 range (or does not fit its fixed bit width).
  case valueOutOfRange(field: StaticString, value: Int64, lower: Int64, upper: Int64)
  /// A SEQUENCE OF count or BIT STRING length lies outside its SIZE constraint.
  case sizeOutOfRange(field: StaticString, size: Int, lower: Int, upper: Int)
  /// The value says something is there that the decoder skipped, and no faithful encoding of
  /// it exists (for example an extension bit with no extension additions kept).
  case notEncodable(StaticString)
  /// Verbatim parts handed to the encoder do not match the value they go with.
  case carriedPartsMismatch(StaticString)
  /// A legal encoding this writer does not produce (fragmented lengths of 16384 or more).
  case unsupported(StaticString)

  public var description: String {
    switch self {
    case .valueOutOfRange(let field, let value, let lower, let upper):
      return "value out of range: \(field) = \(value), allowed \(lower)...\(upper)"
    case .sizeOutOfRange(let field, let size, let lower, let upper):
      return "size out of range: \(field) has \(size), allowed \(lower)...\(upper)"
    case .notEncodable(let what): return "not encodable: \(what)"
    case .carriedPartsMismatch(let what): return "carried parts do not match the value: \(what)"
    case .unsupported(let what): return "unsupported: \(what)"
    }
  }

  // StaticString is not Equatable; compare its text (only tests compare errors).
  public static func == (lhs: V2XEncodeError, rhs: V2XEncodeError) -> Bool {
    lhs.description == rhs.description
  }
}

/// Presence bits for the OPTIONAL fields of a SEQUENCE, in declaration order.
public struct PresenceBitmap: Sendable, Equatable {
  public private(set) var bits: UInt64 = 0
  public let fieldCount: Int

  /// `fieldCount` is at most 64 (J2735's widest, the PSM, has 18).
  public init(fieldCount: Int) {
    self.fieldCount = min(max(fieldCount, 0), 64)
  }

  /// Marks optional field `index` (0 = first declared) present when `present` is true.
  public mutating func mark(_ index: Int, _ present: Bool) {
    guard present, index >= 0, index < fieldCount else { return }
    bits |= 1 << UInt64(fieldCount - 1 - index)
  }
}

/// Appends UPER fields MSB first. Fields collect in a 64-bit word that spills into the octet
/// array eight octets at a time, so the hot path touches the array once per 64 bits, not once
/// per field. A writer can be emptied and reused without giving back its storage.
public struct UPERWriter: Sendable {
  /// Whole octets written so far.
  private var octetStorage: [UInt8]
  /// The `pendingCount` (0..<64) most recent bits, right-aligned, not yet in `octetStorage`.
  private var pending: UInt64 = 0
  private var pendingCount: Int = 0

  public init(reservingCapacity capacity: Int = 128) {
    octetStorage = []
    octetStorage.reserveCapacity(capacity)
  }

  /// Bits written so far.
  public var bitCount: Int { octetStorage.count &* 8 &+ pendingCount }

  /// Everything written, as octets; unused low bits of the last octet are zero, which is the
  /// padding X.691 wants at the end of a PDU. Free when the writer ends on an octet boundary,
  /// as it does after every complete frame; otherwise the tail is copied in.
  public var bytes: [UInt8] {
    guard pendingCount > 0 else { return octetStorage }
    var copy = octetStorage
    var count = pendingCount
    while count > 0 {
      let byte = count >= 8 ? pending >> UInt64(count &- 8) : pending << UInt64(8 &- count)
      copy.append(UInt8(truncatingIfNeeded: byte))
      count &-= 8
    }
    return copy
  }

  /// Empties the writer, keeping its storage for the next message.
  public mutating func removeAll() {
    octetStorage.removeAll(keepingCapacity: true)
    pending = 0
    pendingCount = 0
  }

  /// Moves the whole octets of `pending` into `octetStorage`, leaving fewer than 8 bits.
  private mutating func spillWholeOctets() {
    while pendingCount >= 8 {
      pendingCount &-= 8
      octetStorage.append(UInt8(truncatingIfNeeded: pending >> UInt64(pendingCount)))
    }
    pending &= (1 << UInt64(pendingCount)) &- 1
  }

  /// Drops everything written from `bit` on, so a failed write leaves no half-encoded field.
  mutating func truncate(toBit bit: Int) {
    guard bit >= 0, bit < bitCount else { return }
    spillWholeOctets()
    let stored = octetStorage.count &* 8
    if bit >= stored {
      let keep = bit &- stored
      pending >>= UInt64(pendingCount &- keep)
      pendingCount = keep
      return
    }
    let keep = bit & 7
    let partial = keep == 0 ? 0 : UInt64(octetStorage[bit >> 3] >> UInt8(8 &- keep))
    octetStorage.removeLast(octetStorage.count &- (bit >> 3))
    pending = partial
    pendingCount = keep
  }

  /// The low `count` bits of `value`, most significant first. Wider values are an error rather
  /// than silently cut, since a cut value would decode as a different one.
  public mutating func bits(_ value: UInt64, count: Int) throws(V2XEncodeError) {
    guard count >= 0, count <= 64 else { throw .unsupported("bit field wider than 64") }
    if count < 64, value >> UInt64(count) != 0 {
      let upper = (Int64(1) << Int64(count)) - 1
      throw .valueOutOfRange(
        field: "bit field", value: Int64(truncatingIfNeeded: value), lower: 0, upper: upper)
    }
    appendUnchecked(value, count: count)
  }

  /// Appends the low `count` (0...64) bits of `value`; the hot path behind every field write.
  mutating func appendUnchecked(_ value: UInt64, count: Int) {
    guard count > 0 else { return }
    let bits = count == 64 ? value : value & ((1 << UInt64(count)) &- 1)
    let room = 64 &- pendingCount
    if count < room {
      pending = (pending << UInt64(count)) | bits
      pendingCount &+= count
      return
    }
    // Fill the word, spill its 8 octets at once, keep the rest.
    let rest = count &- room
    let word =
      room == 64 ? bits >> UInt64(rest) : (pending << UInt64(room)) | (bits >> UInt64(rest))
    withUnsafeBytes(of: word.bigEndian) { octetStorage.append(contentsOf: $0) }
    pending = rest == 0 ? 0 : bits & ((1 << UInt64(rest)) &- 1)
    pendingCount = rest
  }

  public mutating func bool(_ value: Bool) {
    appendUnchecked(value ? 1 : 0, count: 1)
  }

  /// An extension marker bit (SEQUENCE, ENUMERATED, CHOICE, extensible SIZE).
  public mutating func extensionBit(_ set: Bool) {
    appendUnchecked(set ? 1 : 0, count: 1)
  }

  /// The presence bits of a SEQUENCE's OPTIONAL fields.
  public mutating func presence(_ bitmap: PresenceBitmap) {
    appendUnchecked(bitmap.bits, count: bitmap.fieldCount)
  }

  /// A constrained whole number: (value − lower) in the minimal width for the range.
  public mutating func constrained(
    _ value: Int64, _ lower: Int64, _ upper: Int64, field: StaticString
  ) throws(V2XEncodeError) {
    guard value >= lower, value <= upper else {
      throw .valueOutOfRange(field: field, value: value, lower: lower, upper: upper)
    }
    let range = UInt64(bitPattern: upper &- lower)
    if range == 0 { return }
    let width = 64 &- range.leadingZeroBitCount
    appendUnchecked(UInt64(bitPattern: value &- lower), count: width)
  }

  /// A fixed-size OCTET STRING of up to 8 octets, given as a big-endian integer.
  public mutating func octets(_ value: UInt64, count: Int) throws(V2XEncodeError) {
    guard count >= 0, count <= 8 else { throw .unsupported("octet string wider than 8") }
    try bits(value, count: count &* 8)
  }

  /// Octets copied as they are, at whatever bit position the writer is at.
  public mutating func octets(_ data: some Sequence<UInt8>) {
    if pendingCount & 7 == 0 {
      spillWholeOctets()
      octetStorage.append(contentsOf: data)
      return
    }
    for byte in data { appendUnchecked(UInt64(byte), count: 8) }
  }

  /// Zero bits up to the next octet boundary of the whole buffer.
  public mutating func padToOctet() {
    appendUnchecked(0, count: (8 &- (pendingCount & 7)) & 7)
  }

  /// An unconstrained length determinant (X.691 11.9, unaligned). Lengths of 16384 or more
  /// need fragmentation, which no J2735 message of ours comes near; they are refused.
  public mutating func lengthDeterminant(_ length: Int) throws(V2XEncodeError) {
    if length >= 0, length < 128 {
      appendUnchecked(UInt64(length), count: 8)
    } else if length >= 128, length < 16384 {
      appendUnchecked(0x8000 | UInt64(length), count: 16)
    } else if length < 0 {
      throw .sizeOutOfRange(field: "length determinant", size: length, lower: 0, upper: 16383)
    } else {
      throw .unsupported("fragmented length (16384 or more)")
    }
  }

  /// A normally small non-negative whole number (X.691 11.6): 6 bits below 64, otherwise a
  /// length and the fewest octets that hold it.
  public mutating func normallySmall(_ value: Int) throws(V2XEncodeError) {
    guard value >= 0 else {
      throw .valueOutOfRange(
        field: "normally small number", value: Int64(value), lower: 0, upper: Int64.max)
    }
    if value < 64 {
      appendUnchecked(UInt64(value), count: 7)
      return
    }
    let octetCount = (64 - UInt64(value).leadingZeroBitCount + 7) / 8
    appendUnchecked(1, count: 1)
    try lengthDeterminant(octetCount)
    appendUnchecked(UInt64(value), count: octetCount &* 8)
  }

  /// The count of a SEQUENCE OF with SIZE(lower..upper) and no extension marker.
  public mutating func sequenceOfCount(
    _ count: Int, _ lower: Int, _ upper: Int, field: StaticString
  ) throws(V2XEncodeError) {
    guard count >= lower, count <= upper else {
      throw .sizeOutOfRange(field: field, size: count, lower: lower, upper: upper)
    }
    try constrained(Int64(count), Int64(lower), Int64(upper), field: field)
  }

  /// An ENUMERATED with an extension marker: a root index, or the marker and the index past
  /// the root as a normally small number.
  public mutating func extensibleEnumerated(
    _ value: UInt8, rootCount: Int, field: StaticString
  ) throws(V2XEncodeError) {
    if Int(value) < rootCount {
      extensionBit(false)
      try constrained(Int64(value), 0, Int64(rootCount &- 1), field: field)
    } else {
      extensionBit(true)
      try normallySmall(Int(value) &- rootCount)
    }
  }

  /// A BIT STRING of SIZE(rootSize, ...): the bits alone when the size is the root size,
  /// otherwise the marker, a length and the bits.
  public mutating func extensibleBitString(
    _ value: BitField, rootSize: Int, field: StaticString
  ) throws(V2XEncodeError) {
    let count = Int(value.count)
    guard count <= 32 else {
      throw .sizeOutOfRange(field: field, size: count, lower: 0, upper: 32)
    }
    if count < 32, UInt64(value.value) >> UInt64(count) != 0 {
      throw .valueOutOfRange(
        field: field, value: Int64(value.value), lower: 0, upper: (Int64(1) << Int64(count)) - 1)
    }
    if count == rootSize {
      extensionBit(false)
    } else {
      extensionBit(true)
      try lengthDeterminant(count)
    }
    appendUnchecked(UInt64(value.value), count: count)
  }

  /// An open type whose contents are already encoded: a length, then the octets.
  public mutating func openType(octets contents: [UInt8]) throws(V2XEncodeError) {
    guard !contents.isEmpty else {
      throw .notEncodable("an open type holds at least one octet")
    }
    try lengthDeterminant(contents.count)
    octets(contents)
  }

  /// An open type encoded in place: `encodeContents` writes the inner value, which is padded to
  /// whole octets (one zero octet if it wrote nothing) and given its length in front. Room for
  /// a 2-octet length is reserved and the contents slid back one octet when 1 suffices, so
  /// nothing is copied through a scratch buffer. On a throw the writer is left as it was.
  public mutating func openType(
    _ encodeContents: (inout UPERWriter) throws(V2XEncodeError) -> Void
  ) throws(V2XEncodeError) {
    let lengthStart = bitCount
    appendUnchecked(0, count: 16)
    let contentStart = bitCount
    do throws(V2XEncodeError) {
      try encodeContents(&self)
    } catch {
      truncate(toBit: lengthStart)
      throw error
    }
    var contentBits = bitCount &- contentStart
    if contentBits == 0 {
      appendUnchecked(0, count: 8)
      contentBits = 8
    }
    let padding = (8 &- (contentBits & 7)) & 7
    appendUnchecked(0, count: padding)
    let octetCount = (contentBits &+ padding) / 8
    spillWholeOctets()  // the length and all but < 8 bits of the contents are now stored
    if octetCount < 128 {
      // A shift by exactly 8 bits moves whole octets, whatever the bit alignment; the bits
      // still pending follow the stored ones, so they move with them.
      let first = (lengthStart >> 3) &+ 1
      octetStorage.withUnsafeMutableBufferPointer { buffer in
        for index in first..<(buffer.count &- 1) { buffer[index] = buffer[index &+ 1] }
      }
      octetStorage.removeLast()
      overwrite(UInt64(octetCount), count: 8, at: lengthStart)
    } else if octetCount < 16384 {
      overwrite(0x8000 | UInt64(octetCount), count: 16, at: lengthStart)
    } else {
      truncate(toBit: lengthStart)
      throw .unsupported("fragmented open type (16384 octets or more)")
    }
  }

  /// Replaces `count` already-stored bits starting at bit `position`.
  private mutating func overwrite(_ value: UInt64, count: Int, at position: Int) {
    for offset in 0..<count {
      let bit = position &+ offset
      let mask = UInt8(0x80) >> UInt8(bit & 7)
      if (value >> UInt64(count &- 1 &- offset)) & 1 == 1 {
        octetStorage[bit >> 3] |= mask
      } else {
        octetStorage[bit >> 3] &= ~mask
      }
    }
  }
}
