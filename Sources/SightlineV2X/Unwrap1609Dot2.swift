// SightlineV2X 1609.2: walks IEEE 1609.2 Ieee1609Dot2Data in COER (canonical OER) to the embedded
// unsecuredData, and past the signed envelope (headerInfo, signer, signature) to record where its
// parts lie. Skipping needs the structure, not the meaning: every field is sized by its type.

extension V2XUnwrap {
  /// Ieee1609Dot2Data: protocolVersion 3 then an Ieee1609Dot2Content CHOICE tag (0x80...0x84).
  static func looksLike1609Dot2(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int? = nil)
    -> Bool
  {
    let end = min(end ?? bytes.count, bytes.count)
    guard start >= 0, end - start >= 2 else { return false }
    return bytes[start] == 0x03 && (0x80...0x84).contains(bytes[start + 1])
  }

  /// Unwraps 1609.2 data at `start` down to the MessageFrame. `strict` (used by the forwarder
  /// rule) fails on any damage; otherwise damage after a complete frame is an `envelopeIssue`.
  static func unwrap1609Dot2(
    _ bytes: UnsafeRawBufferPointer, at start: Int, end: Int, strict: Bool, layers: WrapperLayers
  ) -> Result<UnwrappedFrame, UnwrapError> {
    var cursor = UnwrapCursor(bytes, at: start, end: end, malformed: .malformed1609Dot2)
    do throws(UnwrapError) {
      let version = try cursor.byte()
      guard version == 3 else { throw .bad1609Dot2Version(Int(version)) }
      switch try cursor.byte() {
      case 0x80:
        let (payload, overrun) = try cursor.opaque()
        if overrun && strict { throw .lengthBeyondData }
        let (frame, id) = try probeFrame(bytes, at: payload.lowerBound, end: payload.upperBound)
          .get()
        return .success(
          UnwrappedFrame(
            frame: frame, messageId: id, layers: layers.union(.ieee1609Dot2Unsecured), wsmp: nil,
            security: nil, envelopeIssue: overrun ? .lengthBeyondData : nil))
      case 0x81:
        return .success(try unwrapSignedData(&cursor, strict: strict, layers: layers))
      case 0x82, 0x83, 0x84:
        // encryptedData, signedCertificateRequest, signedX509CertificateRequest
        throw .unsupported1609Dot2Content
      default:
        throw .malformed1609Dot2
      }
    } catch {
      return .failure(error)
    }
  }

  /// SignedData { hashId, tbsData { payload { data?, extDataHash?, ... }, headerInfo }, signer,
  /// signature }. The frame must be in payload.data as unsecuredData.
  static func unwrapSignedData(
    _ cursor: inout UnwrapCursor, strict: Bool, layers: WrapperLayers
  ) throws(UnwrapError) -> UnwrappedFrame {
    let hashId = try cursor.byte()
    guard hashId < 0x80 else { throw .malformed1609Dot2 }
    let toBeSignedStart = cursor.offset
    let payloadPreamble = try cursor.byte()
    guard payloadPreamble & 0x40 != 0 else { throw .unsupported1609Dot2Content }  // detached data
    guard try cursor.byte() == 3 else {
      throw .bad1609Dot2Version(Int(cursor.bytes[cursor.offset - 1]))
    }
    guard try cursor.byte() == 0x80 else { throw .unsupported1609Dot2Content }  // nested signing
    let (payload, overrun) = try cursor.opaque()
    if overrun && strict { throw .lengthBeyondData }
    let (frame, id) = try probeFrame(cursor.bytes, at: payload.lowerBound, end: payload.upperBound)
      .get()

    var found = UnwrappedFrame(
      frame: frame, messageId: id, layers: layers.union(.ieee1609Dot2Signed), wsmp: nil,
      security: SecurityEnvelope(), envelopeIssue: overrun ? .lengthBeyondData : nil)
    guard !overrun else { return found }
    var envelope = SecurityEnvelope()
    // From here the frame is known; damage only marks the envelope.
    do throws(UnwrapError) {
      if payloadPreamble & 0x20 != 0 { try cursor.skipHashedData() }
      if payloadPreamble & 0x80 != 0 { try cursor.skipExtensionAdditions() }
      try cursor.readHeaderInfo(into: &envelope)
      envelope.toBeSigned = toBeSignedStart..<cursor.offset
      let signerStart = cursor.offset
      try cursor.skipSignerIdentifier()
      envelope.signer = signerStart..<cursor.offset
      let signatureStart = cursor.offset
      try cursor.skipSignature()
      envelope.signature = signatureStart..<cursor.offset
    } catch {
      if strict { throw error }
      found.envelopeIssue = error
    }
    found.security = envelope
    return found
  }
}

// COER primitives and the 1609.2 types skipped on the way (IEEE 1609.2-2016/2022 ASN.1).
extension UnwrapCursor {
  /// OER length determinant: `0xxxxxxx`, or `1nnnnnnn` followed by n (1...4 here) octets.
  mutating func lengthDeterminant() throws(UnwrapError) -> Int {
    let first = try byte()
    if first & 0x80 == 0 { return Int(first) }
    let octets = Int(first & 0x7F)
    guard (1...4).contains(octets) else { throw malformed }
    return Int(try unsigned(octets))
  }

  /// An OCTET STRING: the range present, and whether the declared length ran past the data.
  mutating func opaque() throws(UnwrapError) -> (Range<Int>, overrun: Bool) {
    let length = try lengthDeterminant()
    let present = min(length, remaining)
    defer { offset += present }
    return (offset..<(offset + present), length > present)
  }

  /// A length-prefixed value: OCTET STRING, UTF8String, unconstrained INTEGER, open type.
  mutating func skipLengthPrefixed() throws(UnwrapError) {
    try skipDeclared(try lengthDeterminant())
  }

  /// A SEQUENCE OF quantity (length-prefixed unsigned). Every element read here takes at least
  /// one octet, so a count beyond the remaining bytes is already a lie.
  mutating func quantity() throws(UnwrapError) -> Int {
    let octets = try lengthDeterminant()
    guard (1...4).contains(octets) else { throw malformed }
    let count = Int(try unsigned(octets))
    guard count <= remaining else { throw .lengthBeyondData }
    return count
  }

  /// A context-specific CHOICE tag (`10nnnnnn`), returned as the alternative index.
  mutating func choice() throws(UnwrapError) -> Int {
    let tag = try byte()
    guard tag & 0xC0 == 0x80, tag & 0x3F != 0x3F else { throw malformed }
    return Int(tag & 0x3F)
  }

  /// Extension additions after a SEQUENCE root: a presence bitmap (length, unused-bit count,
  /// bits), then one open type per bit set.
  mutating func skipExtensionAdditions() throws(UnwrapError) {
    let length = try lengthDeterminant()
    guard length >= 2 else { throw malformed }
    let unused = try byte()
    guard unused < 8 else { throw malformed }
    var present = 0
    for index in 0..<(length - 1) {
      var bits = try byte()
      if index == length - 2 { bits &= 0xFF << unused }
      present += bits.nonzeroBitCount
    }
    for _ in 0..<present { try skipLengthPrefixed() }
  }

  /// A CHOICE alternative this reader does not know: if the CHOICE is extensible and the index
  /// is past the root, it is an open type and can be skipped; otherwise the tag is wrong.
  mutating func skipExtensionAlternative(_ index: Int, rootCount: Int) throws(UnwrapError) {
    guard index >= rootCount else { throw malformed }
    try skipLengthPrefixed()
  }

  /// HashedData: sha256HashedData (32 octets), extensions after.
  mutating func skipHashedData() throws(UnwrapError) {
    let index = try choice()
    if index == 0 { try skip(32) } else { try skipExtensionAlternative(index, rootCount: 1) }
  }

  /// HeaderInfo { psid, generationTime?, expiryTime?, generationLocation?, p2pcdLearningRequest?,
  /// missingCrlIdentifier?, encryptionKey?, ... }.
  mutating func readHeaderInfo(into envelope: inout SecurityEnvelope) throws(UnwrapError) {
    let preamble = try byte()
    let psidLength = try lengthDeterminant()
    guard (1...8).contains(psidLength) else { throw malformed }
    envelope.psid = try unsigned(psidLength)
    if preamble & 0x40 != 0 { envelope.generationTimeMicroseconds = try unsigned(8) }
    if preamble & 0x20 != 0 { try skip(8) }  // expiryTime
    if preamble & 0x10 != 0 { try skip(10) }  // ThreeDLocation: lat, long, elevation
    if preamble & 0x08 != 0 { try skip(3) }  // HashedId3
    if preamble & 0x04 != 0 {  // MissingCrlIdentifier { cracaId, crlSeries, ... }
      let extended = try byte() & 0x80 != 0
      try skip(5)
      if extended { try skipExtensionAdditions() }
    }
    if preamble & 0x02 != 0 {  // EncryptionKey { public, symmetric }
      switch try choice() {
      case 0: try skipPublicEncryptionKey()
      case 1: try skipSymmetricEncryptionKey()
      default: throw malformed
      }
    }
    if preamble & 0x80 != 0 { try skipExtensionAdditions() }
  }

  /// EccP256CurvePoint: x-only, fill, compressed-y-0, compressed-y-1, uncompressed.
  mutating func skipEccP256CurvePoint() throws(UnwrapError) {
    switch try choice() {
    case 0, 2, 3: try skip(32)
    case 1: break
    case 4: try skip(64)
    default: throw malformed
    }
  }

  /// PublicEncryptionKey { supportedSymmAlg, publicKey BasePublicEncryptionKey }.
  mutating func skipPublicEncryptionKey() throws(UnwrapError) {
    try skip(1)
    let index = try choice()
    if index <= 1 {
      try skipEccP256CurvePoint()
    } else {
      try skipExtensionAlternative(index, rootCount: 2)
    }
  }

  mutating func skipSymmetricEncryptionKey() throws(UnwrapError) {
    let index = try choice()
    if index == 0 { try skip(16) } else { try skipExtensionAlternative(index, rootCount: 1) }
  }

  /// Signature: ecdsaNistP256 / ecdsaBrainpoolP256r1 { rSig EccP256CurvePoint, sSig 32 };
  /// P-384 and SM2 are extensions (open types).
  mutating func skipSignature() throws(UnwrapError) {
    let index = try choice()
    if index <= 1 {
      try skipEccP256CurvePoint()
      try skip(32)
    } else {
      try skipExtensionAlternative(index, rootCount: 2)
    }
  }

  /// SignerIdentifier: digest (HashedId8), certificate (SequenceOfCertificate), self.
  mutating func skipSignerIdentifier() throws(UnwrapError) {
    switch try choice() {
    case 0: try skip(8)
    case 1:
      let count = try quantity()
      guard count >= 1 else { throw malformed }
      for _ in 0..<count { try skipCertificate() }
    case 2: break
    case let index: try skipExtensionAlternative(index, rootCount: 3)
    }
  }

  /// CertificateBase { version 3, type, issuer, toBeSigned, signature? }.
  mutating func skipCertificate() throws(UnwrapError) {
    let hasSignature = try byte() & 0x80 != 0
    guard try byte() == 3 else { throw malformed }
    try skip(1)  // CertificateType: explicit / implicit
    switch try choice() {  // IssuerIdentifier
    case 0: try skip(8)  // sha256AndDigest
    case 1: try skip(1)  // self (HashAlgorithm)
    case let index: try skipExtensionAlternative(index, rootCount: 2)
    }
    try skipToBeSignedCertificate()
    if hasSignature { try skipSignature() }
  }

  /// ToBeSignedCertificate: id, cracaId, crlSeries, validityPeriod, region?, assuranceLevel?,
  /// appPermissions?, certIssuePermissions?, certRequestPermissions?, canRequestRollover?,
  /// encryptionKey?, verifyKeyIndicator, ...
  mutating func skipToBeSignedCertificate() throws(UnwrapError) {
    let preamble = try byte()
    switch try choice() {  // CertificateId
    case 0:  // LinkageData { iCert, linkage-value, group-linkage-value? }
      let hasGroup = try byte() & 0x80 != 0
      try skip(2 + 9)
      if hasGroup { try skip(4 + 9) }
    case 1, 2: try skipLengthPrefixed()  // name (Hostname), binaryId
    case 3: break  // none
    case let index: try skipExtensionAlternative(index, rootCount: 4)
    }
    try skip(3 + 2 + 4)  // cracaId, crlSeries, validityPeriod.start
    guard try choice() <= 6 else { throw malformed }  // Duration unit
    try skip(2)
    if preamble & 0x40 != 0 { try skipGeographicRegion() }
    if preamble & 0x20 != 0 { try skip(1) }  // SubjectAssurance
    if preamble & 0x10 != 0 {  // SequenceOfPsidSsp
      for _ in 0..<(try quantity()) {
        let hasSsp = try byte() & 0x80 != 0
        try skipLengthPrefixed()  // psid
        if hasSsp {
          let index = try choice()
          if index == 0 {
            try skipLengthPrefixed()
          } else {
            try skipExtensionAlternative(index, rootCount: 1)
          }
        }
      }
    }
    if preamble & 0x08 != 0 { try skipPsidGroupPermissions() }
    if preamble & 0x04 != 0 { try skipPsidGroupPermissions() }
    if preamble & 0x01 != 0 { try skipPublicEncryptionKey() }
    switch try choice() {  // VerificationKeyIndicator
    case 0:  // PublicVerificationKey
      let index = try choice()
      if index <= 1 {
        try skipEccP256CurvePoint()
      } else {
        try skipExtensionAlternative(index, rootCount: 2)
      }
    case 1: try skipEccP256CurvePoint()  // reconstructionValue
    case let index: try skipExtensionAlternative(index, rootCount: 2)
    }
    if preamble & 0x80 != 0 { try skipExtensionAdditions() }
  }

  /// GeographicRegion: circular, rectangular, polygonal, identified.
  mutating func skipGeographicRegion() throws(UnwrapError) {
    switch try choice() {
    case 0: try skip(8 + 2)
    case 1: try skip(16 * (try quantity()))
    case 2: try skip(8 * (try quantity()))
    case 3:
      for _ in 0..<(try quantity()) {
        switch try choice() {  // IdentifiedRegion
        case 0: try skip(2)
        case 1:
          try skip(2)
          try skip(try quantity())
        case 2:
          try skip(2)
          for _ in 0..<(try quantity()) {
            try skip(1)
            try skip(2 * (try quantity()))
          }
        case let index: try skipExtensionAlternative(index, rootCount: 3)
        }
      }
    case let index: try skipExtensionAlternative(index, rootCount: 4)
    }
  }

  /// SequenceOfPsidGroupPermissions: { subjectPermissions, minChainLength DEFAULT,
  /// chainLengthRange DEFAULT, eeType DEFAULT } each.
  mutating func skipPsidGroupPermissions() throws(UnwrapError) {
    for _ in 0..<(try quantity()) {
      let preamble = try byte()
      switch try choice() {  // SubjectPermissions
      case 0:
        for _ in 0..<(try quantity()) {  // PsidSspRange { psid, sspRange? }
          let hasRange = try byte() & 0x80 != 0
          try skipLengthPrefixed()
          if hasRange {
            switch try choice() {
            case 0: for _ in 0..<(try quantity()) { try skipLengthPrefixed() }
            case 1: break
            case let index: try skipExtensionAlternative(index, rootCount: 2)
            }
          }
        }
      case 1: break  // all
      case let index: try skipExtensionAlternative(index, rootCount: 2)
      }
      if preamble & 0x80 != 0 { try skipLengthPrefixed() }
      if preamble & 0x40 != 0 { try skipLengthPrefixed() }
      if preamble & 0x20 != 0 { try skip(1) }
    }
  }
}
