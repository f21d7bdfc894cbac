// UPERReader: an exact, bounds-checked bit reader for ASN.1 unaligned PER (X.691).
// Every read checks the remaining bits first and throws a typed error, so malformed input
// can never trap or read past the buffer. No allocation: typed throws, no existentials.

/// Why a J2735 message could not be decoded.
public enum V2XDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A read needed more bits than remain (in the buffer or in the enclosing open type).
  case truncated(atBit: Int)
  /// A length determinant declares more octets than remain.
  case lengthBeyondData
  /// A constrained value lies outside its ASN.1 range.
  case valueOutOfRange(field: StaticString)
  /// A legal encoding this decoder does not handle (fragmented lengths, huge values).
  case unsupported(StaticString)
  /// The messageId is not in the DSRC message id table.
  case unknownMessageId(Int)

  public var description: String {
    switch self {
    case .truncated(let bit): return "truncated at bit \(bit)"
    case .lengthBeyondData: return "length beyond data"
    case .valueOutOfRange(let field): return "value out of range: \(field)"
    case .unsupported(let what): return "unsupported: \(what)"
    case .unknownMessageId(let id): return "unknown message id \(id)"
    }
  }

  // StaticString is not Equatable; compare its text (only tests compare errors).
  public static func == (lhs: V2XDecodeError, rhs: V2XDecodeError) -> Bool {
    lhs.description == rhs.description
  }
}

/// Reads UPER fields MSB first from a byte buffer between `position` and `endBit`.
public struct UPERReader {
  let bytes: UnsafeRawBufferPointer
  /// The next bit to read, counted from the start of `bytes`.
  public private(set) var position: Int
  /// One past the last readable bit (the buffer end, or the end of an open type).
  public let endBit: Int

  public init(_ bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
    self.position = 0
    self.endBit = bytes.count &* 8
  }

  init(bytes: UnsafeRawBufferPointer, position: Int, endBit: Int) {
    self.bytes = bytes
    self.position = position
    self.endBit = endBit
  }

  public var remainingBits: Int { endBit - position }

  /// An n-bit unsigned value, n ≤ 64, most significant bit first.
  public mutating func bits(_ count: Int) throws(V2XDecodeError) -> UInt64 {
    guard count >= 0, count <= 64 else { throw .unsupported("bit field wider than 64") }
    guard count <= endBit &- position else { throw .truncated(atBit: position) }
    // Fast path: one unaligned big-endian word holds any field of ≤ 57 bits.
    let byteOffset = position >> 3
    if count <= 57, byteOffset &+ 8 <= bytes.count {
      let word = UInt64(
        bigEndian: bytes.loadUnaligned(fromByteOffset: byteOffset, as: UInt64.self))
      let shift = UInt64(64 &- (position & 7) &- count)
      position &+= count
      return (word >> shift) & ((1 << UInt64(count)) &- 1)
    }
    var result: UInt64 = 0
    var remaining = count
    var cursor = position
    while remaining > 0 {
      let byte = UInt64(bytes.load(fromByteOffset: cursor >> 3, as: UInt8.self))
      let available = 8 &- (cursor & 7)
      let take = remaining < available ? remaining : available
      let chunk = (byte >> UInt64(available &- take)) & ((1 << UInt64(take)) &- 1)
      result = (result << UInt64(take)) | chunk
      remaining &-= take
      cursor &+= take
    }
    position = cursor
    return result
  }

  public mutating func bool() throws(V2XDecodeError) -> Bool {
    try bits(1) == 1
  }

  /// An extension marker bit (SEQUENCE, ENUMERATED, CHOICE, extensible SIZE).
  public mutating func extensionBit() throws(V2XDecodeError) -> Bool {
    try bits(1) == 1
  }

  /// A constrained whole number: (value − lower) in the minimal width for the range.
  public mutating func constrained(
    _ lower: Int64, _ upper: Int64, field: StaticString
  ) throws(V2XDecodeError) -> Int64 {
    let range = UInt64(bitPattern: upper &- lower)
    if range == 0 { return lower }
    let width = 64 &- range.leadingZeroBitCount
    let offset = try bits(width)
    guard offset <= range else { throw .valueOutOfRange(field: field) }
    return lower &+ Int64(bitPattern: offset)
  }

  /// A fixed-size OCTET STRING of up to 8 octets, as a big-endian integer.
  public mutating func octets(_ count: Int) throws(V2XDecodeError) -> UInt64 {
    guard count <= 8 else { throw .unsupported("octet string wider than 8") }
    return try bits(count &* 8)
  }

  /// An unconstrained length determinant (X.691 11.9, unaligned). Fragments are refused.
  public mutating func lengthDeterminant() throws(V2XDecodeError) -> Int {
    if try bits(1) == 0 { return Int(try bits(7)) }
    if try bits(1) == 0 { return Int(try bits(14)) }
    throw .unsupported("fragmented length")
  }

  /// A normally small non-negative whole number (X.691 11.6).
  public mutating func normallySmall() throws(V2XDecodeError) -> Int {
    if try bits(1) == 0 { return Int(try bits(6)) }
    let octetCount = try lengthDeterminant()
    guard octetCount >= 1, octetCount <= 7 else { throw .unsupported("huge normally small") }
    return Int(try bits(octetCount &* 8))
  }

  /// The count of a SEQUENCE OF with SIZE(lower..upper) and no extension marker.
  public mutating func sequenceOfCount(
    _ lower: Int, _ upper: Int, field: StaticString
  ) throws(V2XDecodeError) -> Int {
    Int(try constrained(Int64(lower), Int64(upper), field: field))
  }

  /// Advances over `count` bits, failing if they are not there.
  public mutating func skip(bits count: Int) throws(V2XDecodeError) {
    guard count >= 0, count <= endBit &- position else { throw .lengthBeyondData }
    position &+= count
  }

  /// An open type: returns a reader bounded to its octets and moves past them.
  public mutating func openType() throws(V2XDecodeError) -> UPERReader {
    let octetCount = try lengthDeterminant()
    let bitCount = octetCount &* 8
    guard bitCount <= endBit &- position else { throw .lengthBeyondData }
    let inner = UPERReader(bytes: bytes, position: position, endBit: position &+ bitCount)
    position &+= bitCount
    return inner
  }

  /// Skips an open type by its length; returns its size in octets.
  @discardableResult
  public mutating func skipOpenType() throws(V2XDecodeError) -> Int {
    let inner = try openType()
    return inner.remainingBits >> 3
  }

  /// Skips the extension additions of a SEQUENCE whose extension bit was set (X.691 19.7):
  /// a normally small bitmap length, the presence bitmap, then one open type per present bit.
  /// Returns how many additions were present.
  @discardableResult
  public mutating func skipExtensionAdditions() throws(V2XDecodeError) -> Int {
    let bitmapLength = try normallySmall() &+ 1
    guard bitmapLength <= 64 else { throw .unsupported("extension bitmap over 64") }
    let bitmap = try bits(bitmapLength)
    let present = bitmap.nonzeroBitCount
    for _ in 0..<present { try skipOpenType() }
    return present
  }

  /// An ENUMERATED with an extension marker: root index, or rootCount + extension index.
  public mutating func extensibleEnumerated(
    rootCount: Int, field: StaticString
  ) throws(V2XDecodeError) -> UInt8 {
    if try extensionBit() {
      let index = try normallySmall()
      guard rootCount &+ index <= 255 else { throw .valueOutOfRange(field: field) }
      return UInt8(rootCount &+ index)
    }
    return UInt8(try constrained(0, Int64(rootCount &- 1), field: field))
  }

  /// A BIT STRING of SIZE(n, ...): n bits in the root, or a length and up to 32 bits.
  public mutating func extensibleBitString(
    rootSize: Int, field: StaticString
  ) throws(V2XDecodeError) -> BitField {
    if try extensionBit() {
      let count = try lengthDeterminant()
      guard count <= 32 else { throw .unsupported("bit string over 32 bits") }
      return BitField(value: UInt32(try bits(count)), count: UInt8(count))
    }
    return BitField(value: UInt32(try bits(rootSize)), count: UInt8(rootSize))
  }
}

/// A short BIT STRING: `count` bits, the first bit as the most significant of `value`.
public struct BitField: Sendable, Equatable {
  public var value: UInt32
  public var count: UInt8

  public init(value: UInt32, count: UInt8) {
    self.value = value
    self.count = count
  }

  /// Whether named bit `index` (0 = first on the wire) is set.
  public func isSet(_ index: Int) -> Bool {
    guard index >= 0, index < Int(count) else { return false }
    return (value >> UInt32(Int(count) - 1 - index)) & 1 == 1
  }
}
