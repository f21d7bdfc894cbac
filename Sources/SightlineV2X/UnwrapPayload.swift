// SightlineV2X unwrapping: finds the SAE J2735 MessageFrame inside a real V2X payload by parsing
// the layers around it (IEEE 1609.3 WSMP, IEEE 1609.2 COER), never by scanning for `00 14`.
// Allocation-free: only Ints, ranges and small structs on this path.

/// Which wrappers were found around the frame.
public struct WrapperLayers: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// An IEEE 1609.3 WAVE Short Message header (version 2 or 3).
  public static let wsmp = WrapperLayers(rawValue: 1 << 0)
  /// IEEE 1609.2 Ieee1609Dot2Data carrying unsecuredData directly.
  public static let ieee1609Dot2Unsecured = WrapperLayers(rawValue: 1 << 1)
  /// IEEE 1609.2 signedData (its payload's inner unsecuredData is part of this layer).
  public static let ieee1609Dot2Signed = WrapperLayers(rawValue: 1 << 2)
  /// A forwarder or log header with no standard structure, skipped by a documented rule.
  public static let forwarderHeader = WrapperLayers(rawValue: 1 << 3)
}

/// What the 1609.2 signedData says about the frame. Ranges index the caller's buffer and are kept
/// for a later verification step; nothing here is verified.
public struct SecurityEnvelope: Sendable, Equatable {
  /// headerInfo.psid (numeric, not p-encoded): 0x20 for BSM, 0x27 for PSM, 0x82 for SPaT, ...
  public var psid: UInt64?
  /// headerInfo.generationTime: microseconds since 2004-01-01 00:00:00 TAI.
  public var generationTimeMicroseconds: UInt64?
  /// The SignerIdentifier (CHOICE tag included): a digest, a certificate chain or `self`.
  public var signer: Range<Int>?
  /// The Signature (CHOICE tag included).
  public var signature: Range<Int>?
  /// The COER ToBeSignedData (payload + headerInfo): the bytes the signature covers.
  public var toBeSigned: Range<Int>?

  public init(
    psid: UInt64? = nil, generationTimeMicroseconds: UInt64? = nil, signer: Range<Int>? = nil,
    signature: Range<Int>? = nil, toBeSigned: Range<Int>? = nil
  ) {
    self.psid = psid
    self.generationTimeMicroseconds = generationTimeMicroseconds
    self.signer = signer
    self.signature = signature
    self.toBeSigned = toBeSigned
  }
}

/// A located MessageFrame and what was around it.
public struct UnwrappedFrame: Sendable, Equatable {
  /// Exactly the MessageFrame, cut at its declared length (trailing bytes are not part of it).
  public var frame: Range<Int>
  /// The DSRCmsgID: 20 BSM, 32 PSM, 19 SPaT, 18 MAP, 31 TIM, ...
  public var messageId: Int
  public var layers: WrapperLayers
  public var wsmp: WSMPInfo?
  /// Present when the frame came inside 1609.2 signedData.
  public var security: SecurityEnvelope?
  /// Set when an enclosing layer was damaged after (or around) a complete frame: a declared
  /// length running past the data, or a signed envelope whose tail could not be parsed. The
  /// frame itself is whole; a verifier must not trust the envelope.
  public var envelopeIssue: UnwrapError?
}

/// Why no frame was returned.
public enum UnwrapError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The bytes end inside a header field.
  case truncated
  /// A WSMP header (asked for explicitly) had a version other than 2 or 3.
  case badWSMPVersion(Int)
  /// A WSMP v3 subtype other than 0 (null networking), whose extra fields are not supported.
  case unsupportedWSMPSubtype(Int)
  /// A WSMP v3 TPID other than 0...3 (PSID or port addressing).
  case unsupportedWSMPTransport(Int)
  /// A WSMP header field broke its own encoding rules (p-encoding, length form, element id).
  case malformedWSMP
  /// Ieee1609Dot2Data with protocolVersion other than 3.
  case bad1609Dot2Version(Int)
  /// 1609.2 content other than unsecuredData or signedData-with-embedded-data (encrypted data,
  /// certificate requests, detached payloads).
  case unsupported1609Dot2Content
  /// A COER field broke its encoding rules (unknown CHOICE tag, bad length form).
  case malformed1609Dot2
  /// A declared length runs past the bytes that are there.
  case lengthBeyondData
  /// A frame candidate whose message id is not a known DSRCmsgID.
  case unknownMessageId(Int)
  /// A frame candidate whose open-type length is zero or fragmented (X.691 ≥ 16K form).
  case badFrameLength
  /// Nothing recognisable: no frame at the start, no WSMP or 1609.2 header, and no forwarder
  /// rule matched (for example an ETSI CAM).
  case noFrame

  public var description: String {
    switch self {
    case .truncated: "truncated: the bytes end inside a header"
    case .badWSMPVersion(let v): "WSMP version \(v) is not 2 or 3"
    case .unsupportedWSMPSubtype(let s): "WSMP subtype \(s) is not supported (only null networking)"
    case .unsupportedWSMPTransport(let t): "WSMP TPID \(t) is not supported"
    case .malformedWSMP: "malformed WSMP header"
    case .bad1609Dot2Version(let v): "IEEE 1609.2 protocolVersion \(v) is not 3"
    case .unsupported1609Dot2Content:
      "IEEE 1609.2 content is not unsecuredData or signedData with embedded data"
    case .malformed1609Dot2: "malformed IEEE 1609.2 COER encoding"
    case .lengthBeyondData: "a declared length runs past the end of the data"
    case .unknownMessageId(let id): "message id \(id) is not a known J2735 DSRCmsgID"
    case .badFrameLength: "MessageFrame length is zero or fragmented"
    case .noFrame: "no J2735 MessageFrame found (no frame, WSMP or 1609.2 structure)"
    }
  }
}

public enum V2XUnwrap {
  /// J2735 DSRCmsgID values in use (2016 through 2024: 18 MAP ... 32 PSM ... 41 SDSM ...).
  /// Test messages (240...255) are left out: they do not appear on the air.
  public static let knownMessageIds: ClosedRange<Int> = 18...50

  /// Longest forwarder/log header searched for a 1609.2 start (jpo-ode's is 26 bytes).
  static let maxForwarderHeader = 64
  /// Longest log prefix searched for a bare frame (jpo-ode's PSM test payload has 3).
  static let maxLogPrefix = 8

  /// Finds the MessageFrame in `bytes`:
  /// 1. a frame at offset 0 (`00 id` + length that fits);
  /// 2. a header recognised at offset 0 (1609.2 `03 8x`, WSMP v3 `x3`/`xB` + TPID, WSMP v2 `02` +
  ///    PSID + element id) is parsed layer by layer; its failure is reported, never rescanned;
  /// 3. otherwise forwarder rules: 1609.2 data (`03 80`/`03 81`) starting within the first 64
  ///    bytes whose lengths all fit, or a frame within the first 8 bytes; the frame is validated
  ///    (known id, length fits) either way.
  public static func locateFrame(_ bytes: UnsafeRawBufferPointer) -> Result<
    UnwrappedFrame, UnwrapError
  > {
    guard bytes.count >= 3 else { return .failure(bytes.isEmpty ? .noFrame : .truncated) }
    var firstFailure: UnwrapError? = nil

    switch probeFrame(bytes, at: 0, end: bytes.count) {
    case .success(let (frame, id)):
      return .success(
        UnwrappedFrame(
          frame: frame, messageId: id, layers: [], wsmp: nil, security: nil, envelopeIssue: nil))
    case .failure(.unknownMessageId): break
    case .failure(let error): firstFailure = error  // a known id whose length is wrong
    }

    if looksLike1609Dot2(bytes, at: 0) {
      return unwrap1609Dot2(bytes, at: 0, end: bytes.count, strict: false, layers: [])
    }
    if looksLikeWSMP(bytes) {
      return unwrapWSMP(bytes)
    }

    for start in 1..<min(bytes.count - 1, maxForwarderHeader + 1)
    where bytes[start] == 0x03 && (bytes[start + 1] == 0x80 || bytes[start + 1] == 0x81) {
      if case .success(let found) = unwrap1609Dot2(
        bytes, at: start, end: bytes.count, strict: true, layers: .forwarderHeader)
      {
        return .success(found)
      }
    }
    for start in 1..<min(bytes.count, maxLogPrefix + 1) where bytes[start] == 0 {
      if case .success(let (frame, id)) = probeFrame(bytes, at: start, end: bytes.count) {
        return .success(
          UnwrappedFrame(
            frame: frame, messageId: id, layers: .forwarderHeader, wsmp: nil, security: nil,
            envelopeIssue: nil))
      }
    }
    return .failure(firstFailure ?? .noFrame)
  }

  /// Validates a MessageFrame candidate at `start`: extension bit 0 and a known DSRCmsgID in the
  /// first 16 bits (`00 id`), then an X.691 length determinant (1 byte < 128, 2 bytes `10xxxxxx`
  /// < 16384) whose body fits before `end`.
  static func probeFrame(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> Result<
    (Range<Int>, Int), UnwrapError
  > {
    guard start >= 0, end <= bytes.count, end - start >= 3 else { return .failure(.truncated) }
    let id = Int(bytes[start]) << 8 | Int(bytes[start + 1])
    guard bytes[start] == 0, knownMessageIds.contains(id) else {
      return .failure(.unknownMessageId(id))
    }
    let first = bytes[start + 2]
    var header = 3
    var length = Int(first)
    if first & 0x80 != 0 {
      guard first & 0xC0 == 0x80 else { return .failure(.badFrameLength) }
      guard end - start >= 4 else { return .failure(.truncated) }
      length = Int(first & 0x3F) << 8 | Int(bytes[start + 3])
      header = 4
    }
    guard length > 0 else { return .failure(.badFrameLength) }
    guard header + length <= end - start else { return .failure(.lengthBeyondData) }
    return .success((start..<(start + header + length), id))
  }

  /// The WSM data is either 1609.2 (`03`) or a bare frame.
  static func unwrapWSMP(_ bytes: UnsafeRawBufferPointer) -> Result<UnwrappedFrame, UnwrapError> {
    let info: WSMPInfo
    switch parseWSMP(bytes) {
    case .success(let parsed): info = parsed
    case .failure(let error): return .failure(error)
    }
    let overrun: UnwrapError? = info.wsmLength > info.data.count ? .lengthBeyondData : nil
    let data = info.data
    if looksLike1609Dot2(bytes, at: data.lowerBound, end: data.upperBound) {
      switch unwrap1609Dot2(
        bytes, at: data.lowerBound, end: data.upperBound, strict: false, layers: .wsmp)
      {
      case .success(var found):
        found.wsmp = info
        if found.envelopeIssue == nil { found.envelopeIssue = overrun }
        return .success(found)
      case .failure(let error): return .failure(error)
      }
    }
    switch probeFrame(bytes, at: data.lowerBound, end: data.upperBound) {
    case .success(let (frame, id)):
      return .success(
        UnwrappedFrame(
          frame: frame, messageId: id, layers: .wsmp, wsmp: info, security: nil,
          envelopeIssue: overrun))
    case .failure(let error): return .failure(error)
    }
  }
}

/// A bounds-checked reader over the caller's bytes; every read past `end` throws `.truncated`.
struct UnwrapCursor {
  let bytes: UnsafeRawBufferPointer
  var offset: Int
  let end: Int
  /// Error for a broken encoding rule (WSMP or 1609.2 flavour).
  let malformed: UnwrapError

  init(_ bytes: UnsafeRawBufferPointer, at offset: Int, end: Int, malformed: UnwrapError) {
    self.bytes = bytes
    self.offset = offset
    self.end = min(end, bytes.count)
    self.malformed = malformed
  }

  var remaining: Int { end - offset }

  mutating func byte() throws(UnwrapError) -> UInt8 {
    guard offset < end else { throw .truncated }
    defer { offset += 1 }
    return bytes[offset]
  }

  func peek() throws(UnwrapError) -> UInt8 {
    guard offset < end else { throw .truncated }
    return bytes[offset]
  }

  mutating func skip(_ count: Int) throws(UnwrapError) {
    guard count >= 0, count <= end - offset else { throw .truncated }
    offset += count
  }

  /// A declared length: running past the data is `.lengthBeyondData`, not `.truncated`.
  mutating func skipDeclared(_ count: Int) throws(UnwrapError) {
    guard count >= 0, count <= end - offset else { throw .lengthBeyondData }
    offset += count
  }

  /// Big-endian unsigned integer of `count` ≤ 8 bytes.
  mutating func unsigned(_ count: Int) throws(UnwrapError) -> UInt64 {
    guard count <= 8 else { throw malformed }
    guard count <= end - offset else { throw .truncated }
    var value: UInt64 = 0
    for _ in 0..<count {
      value = value << 8 | UInt64(bytes[offset])
      offset += 1
    }
    return value
  }
}
