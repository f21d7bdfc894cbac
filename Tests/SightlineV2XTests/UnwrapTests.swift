// Tests for V2XUnwrap.locateFrame on the raw payloads as found (Fixtures/raw/*.hex), on payloads
// wrapped here by the IEEE 1609.3 / 1609.2 layouts, and on damaged bytes (truncation, bit flips).
import Foundation
import Testing

@testable import SightlineV2X

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Fixtures")

/// One payload per non-empty line, decoded by a plain reference decoder (not PayloadText).
private func rawPayloads(_ file: String) throws -> [[UInt8]] {
  let text = try String(contentsOf: fixtures.appendingPathComponent("raw/\(file)"), encoding: .utf8)
  return text.split(whereSeparator: \.isNewline).map { line in
    let digits = Array(line.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).map {
      UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
    }
  }
}

private func locate(_ bytes: [UInt8]) -> Result<UnwrappedFrame, UnwrapError> {
  bytes.withUnsafeBytes { V2XUnwrap.locateFrame($0) }
}

private func hex(_ bytes: some Collection<UInt8>) -> String {
  bytes.map { String(format: "%02x", $0) }.joined()
}

/// Frame hex values per origin file, from the jsonl `source` field ("owner/repo:path").
private func expectedFrames(_ jsonl: String) throws -> [String: Set<String>] {
  let text = try String(contentsOf: fixtures.appendingPathComponent(jsonl), encoding: .utf8)
  var bySource: [String: Set<String>] = [:]
  for line in text.split(whereSeparator: \.isNewline) {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    let source = (object["source"] as! String).split(separator: "/").last.map(String.init)!
    bySource[source, default: []].insert(object["hex"] as! String)
  }
  return bySource
}

private let bsm = 20
private let psm = 32
private let spat = 19
private let map = 18
private let tim = 31
private let srm = 29
private let ssm = 30
private let sdsm = 41

struct RawFileExpectation: Sendable, CustomStringConvertible {
  let file: String
  let countsById: [Int: Int]
  var layers: WrapperLayers = []
  var description: String { file }
}

private let rawExpectations: [RawFileExpectation] = [
  .init(
    file: "BsmReceiverTest_ValidBSM.txt.hex", countsById: [bsm: 1],
    layers: [.forwarderHeader, .ieee1609Dot2Unsecured]),
  .init(file: "PsmReceiverTest_ValidPSM.txt.hex", countsById: [psm: 1], layers: .forwarderHeader),
  .init(file: "MapReceiverTest_ValidMAP.txt.hex", countsById: [map: 1]),
  .init(file: "SdsmReceiverTest_ValidSDSM.txt.hex", countsById: [sdsm: 1]),
  .init(file: "SpatReceiverTest_ValidSPAT.txt.hex", countsById: [spat: 1]),
  .init(file: "SrmReceiverTest_ValidData.txt.hex", countsById: [srm: 1]),
  .init(file: "SsmReceiverTest_ValidSSM.txt.hex", countsById: [ssm: 1]),
  .init(file: "TimReceiverTest_ValidTIM.txt.hex", countsById: [tim: 1]),
  .init(file: "bsmLogDuringEvent.bin.hex", countsById: [bsm: 222]),
  .init(file: "bsmLogDuringEvent_commsignia.gz.hex", countsById: [bsm: 511]),
  .init(file: "bsmTx.bin.hex", countsById: [bsm: 16]),
  .init(file: "decoder-input-bsm.json.hex", countsById: [bsm: 1], layers: .ieee1609Dot2Signed),
  .init(file: "decoder-input-psm.json.hex", countsById: [psm: 1]),
  .init(file: "decoder-input-spat.json.hex", countsById: [spat: 1], layers: .ieee1609Dot2Signed),
  .init(file: "rxMsg_BSM_and_TIM.gz.hex", countsById: [bsm: 243, tim: 150]),
  .init(file: "rxMsg_commsignia_map.gz.hex", countsById: [map: 103]),
  .init(file: "rxMsg_map_and_tim.gz.hex", countsById: [map: 75, tim: 75]),
]

@Test(
  "every raw J2735 payload is located with the expected id and layers", arguments: rawExpectations)
func rawFileFrames(_ expectation: RawFileExpectation) throws {
  var counts: [Int: Int] = [:]
  for payload in try rawPayloads(expectation.file) {
    let found = try locate(payload).get()
    counts[found.messageId, default: 0] += 1
    #expect(found.layers == expectation.layers)
    #expect(found.frame.upperBound <= payload.count)
    #expect(
      payload[found.frame.lowerBound] == 0
        && Int(payload[found.frame.lowerBound + 1]) == found.messageId)
  }
  #expect(counts == expectation.countsById)
}

@Test func locatedBSMAndPSMFramesMatchTheCuratedFrames() throws {
  let bsmFrames = try expectedFrames("bsm-real.jsonl")
  let psmFrames = try expectedFrames("psm-real.jsonl")
  var compared = 0
  var creditedElsewhere: [String] = []
  for expectation in rawExpectations {
    let source = String(expectation.file.dropLast(".hex".count))
    for payload in try rawPayloads(expectation.file) {
      let found = try locate(payload).get()
      guard found.messageId == bsm || found.messageId == psm else { continue }
      let curated = found.messageId == bsm ? bsmFrames : psmFrames
      let known = try #require(curated[source], "no curated frames for \(source)")
      let frame = hex(payload[found.frame])
      compared += 1
      if known.contains(frame) { continue }
      // The jsonl keeps each frame once, under the first file it came from.
      let otherSources = curated.filter { $0.value.contains(frame) }.map(\.key)
      #expect(!otherSources.isEmpty, "\(source): \(frame)")
      creditedElsewhere += otherSources.map { "\(source) -> \($0)" }
    }
  }
  #expect(compared == 1 + 1 + 222 + 511 + 16 + 1 + 1 + 243)
  // bsmTx.bin repeats BsmReceiverTest_ValidBSM.txt's frame once; nothing else is deduplicated.
  #expect(creditedElsewhere == ["bsmTx.bin -> BsmReceiverTest_ValidBSM.txt"])
}

@Test func forwarderHeaderAndPrefixPayloads() throws {
  let forwarded = try rawPayloads("BsmReceiverTest_ValidBSM.txt.hex")[0]
  let found = try locate(forwarded).get()
  #expect(found.frame == 30..<218)  // 26-byte header, then 03 80 81 bc (188 bytes)
  #expect(found.security == nil && found.envelopeIssue == nil)

  let prefixed = try rawPayloads("PsmReceiverTest_ValidPSM.txt.hex")[0]
  let psmFound = try locate(prefixed).get()
  #expect(psmFound.frame == 3..<32)
  #expect(prefixed.count - psmFound.frame.upperBound == 14)
}

@Test func realSignedBSMKeepsSignerAndSignature() throws {
  let payload = try rawPayloads("decoder-input-bsm.json.hex")[0]
  let found = try locate(payload).get()
  let security = try #require(found.security)
  #expect(found.frame == 8..<185)
  #expect(found.envelopeIssue == nil)
  #expect(security.psid == 0x20)
  #expect(security.generationTimeMicroseconds == 0x0002_4345_0d45_b978)
  #expect(security.toBeSigned == 3..<196)
  #expect(security.signer == 196..<205)  // digest: 80 + HashedId8
  #expect(security.signature == 205..<271)  // ecdsaNistP256, r compressed-y-0, s
  #expect(payload[205] == 0x80 && payload[206] == 0x82)
}

@Test func signedSPaTWhoseDeclaredLengthOverrunsIsFlagged() throws {
  // jpo-ode's decoder-input-spat: unsecuredData declares 124 bytes, 74 are there (the SPaT).
  let payload = try rawPayloads("decoder-input-spat.json.hex")[0]
  let found = try locate(payload).get()
  #expect(found.messageId == spat && found.frame == 7..<81)
  #expect(found.envelopeIssue == .lengthBeyondData)
  #expect(found.security?.signer == nil && found.security?.signature == nil)
}

@Test func etsiCAMIsNotAFrame() throws {
  let cams = try rawPayloads("cam-log6-per-uper.hex")
  #expect(cams.count == 7)
  for cam in cams {
    #expect(throws: UnwrapError.noFrame) { try locate(cam).get() }
  }
  #expect(UnwrapError.noFrame.description.contains("no J2735 MessageFrame"))
}

// MARK: - Payloads wrapped here, following the 1609.3 / 1609.2 layouts

/// OER / X.691-style length: short form below 128, else `81 nn` / `82 nn nn`.
private func oerLength(_ count: Int) -> [UInt8] {
  if count < 128 { return [UInt8(count)] }
  if count < 256 { return [0x81, UInt8(count)] }
  return [0x82, UInt8(count >> 8), UInt8(count & 0xFF)]
}

/// WSMP Length/Count: one octet below 128, else `10xxxxxx xxxxxxxx`.
private func wsmpLength(_ count: Int) -> [UInt8] {
  count < 128 ? [UInt8(count)] : [0x80 | UInt8(count >> 8), UInt8(count & 0xFF)]
}

private enum TestSigner { case digest, certificate }

/// An implicit pseudonym certificate: linkage id, identified region (USA), one app permission
/// (PSID 0x20), reconstruction value. Its digest bytes hold `00 14` on purpose.
private let pseudonymCertificate: [UInt8] =
  [0x00, 0x03, 0x01, 0x80] + [0x00, 0x14, 0x35, 0x42, 0x84, 0xa9, 0xea, 0x8c]  // issuer digest
  + [0x50]  // region + appPermissions present
  + [0x80, 0x00, 0x00, 0x2a] + [UInt8](repeating: 0x14, count: 9)  // linkageData
  + [0x00, 0x14, 0x20, 0x00, 0x07]  // cracaId, crlSeries
  + [0x23, 0x45, 0x67, 0x89, 0x84, 0x00, 0xa8]  // validity: start, 168 hours
  + [0x83, 0x01, 0x01, 0x80, 0x03, 0x48]  // identified region: country 840
  + [0x01, 0x01, 0x00, 0x01, 0x20]  // appPermissions: psid 0x20, no SSP
  + [0x81, 0x82] + [UInt8](repeating: 0x00, count: 31) + [0x14]  // reconstructionValue

private func signedData(_ frame: [UInt8], psid: UInt8, signer: TestSigner) -> (
  bytes: [UInt8], signer: Int, signature: Int
) {
  var bytes: [UInt8] = [0x03, 0x81, 0x00, 0x40, 0x03, 0x80] + oerLength(frame.count) + frame
  bytes +=
    [0x60, 0x01, psid] + [0x00, 0x02, 0x43, 0x45, 0x0d, 0x45, 0xb9, 0x78] + [
      0x00, 0x02, 0x43, 0x46, 0, 0, 0, 0,
    ]
  let signerStart = bytes.count
  switch signer {
  case .digest: bytes += [0x80, 0x00, 0x14, 0x35, 0x42, 0x84, 0xa9, 0xea, 0x8c]
  case .certificate: bytes += [0x81, 0x01, 0x01] + pseudonymCertificate
  }
  let signatureStart = bytes.count
  bytes +=
    [0x80, 0x83] + [UInt8](repeating: 0x00, count: 2) + [0x14, 0x20]
    + [UInt8](repeating: 0xab, count: 60)
  return (bytes, signerStart, signatureStart)
}

/// WSMP v3 with a WAVE information element extension (channel 172, 6 Mb/s, power, and an
/// element whose contents look like a BSM frame header), TPID 0, PSID, WSM length.
private func wsmpVersion3(_ data: [UInt8], psid: [UInt8]) -> (bytes: [UInt8], dataStart: Int) {
  let header: [UInt8] =
    [0x0B, 0x04, 0x0F, 0x01, 0xAC, 0x10, 0x01, 0x0C, 0x04, 0x01, 0x14]
    + [0x17, 0x05, 0x00, 0x14, 0x02, 0x00, 0x20]  // element 23 holding 00 14 02 ... / 00 20
    + [0x00] + psid + wsmpLength(data.count)
  return (header + data, header.count)
}

@Test func commsigniaFramesInsideWSMPAndSigned1609Dot2() throws {
  let frames = try rawPayloads("bsmLogDuringEvent_commsignia.gz.hex")
  #expect(frames.count == 511)
  for (index, frame) in frames.enumerated() {
    let signer: TestSigner = index.isMultiple(of: 2) ? .certificate : .digest
    let signed = signedData(frame, psid: 0x20, signer: signer)
    let wrapped = wsmpVersion3(signed.bytes, psid: [0x20])
    let found = try locate(wrapped.bytes).get()
    let security = try #require(found.security)
    let signerRange = try #require(security.signer)
    let signatureRange = try #require(security.signature)
    #expect(found.layers == [.wsmp, .ieee1609Dot2Signed])
    #expect(Array(wrapped.bytes[found.frame]) == frame)
    #expect(found.envelopeIssue == nil)
    #expect(security.psid == 0x20)
    #expect(security.generationTimeMicroseconds == 0x0002_4345_0d45_b978)
    #expect(signerRange.lowerBound == wrapped.dataStart + signed.signer)
    #expect(signatureRange == (wrapped.dataStart + signed.signature)..<wrapped.bytes.count)
    #expect(signerRange.upperBound == signatureRange.lowerBound)
    #expect(found.wsmp?.psid == 0x20 && found.wsmp?.channel == 172 && found.wsmp?.dataRate == 12)
    #expect(found.wsmp?.transmitPowerUsed == 0x14 && found.wsmp?.channelLoad == nil)
  }
}

@Test func wsmpExtensionHoldingFramePatternsIsNotMisparsed() throws {
  let timFrame = try rawPayloads("TimReceiverTest_ValidTIM.txt.hex")[0]
  let wrapped = wsmpVersion3(timFrame, psid: [0x80, 0x03])  // TIM PSID p-encoded 80 03
  let found = try locate(wrapped.bytes).get()
  #expect(found.messageId == tim)
  #expect(found.frame == wrapped.dataStart..<wrapped.bytes.count)
  #expect(found.layers == .wsmp)
  #expect(found.wsmp?.psid == 0x83)
  // Without the WSMP parse, element 23's `00 14 02 00 20` would be a 5-byte "BSM".
  #expect(wrapped.bytes[13] == 0x00 && wrapped.bytes[14] == 0x14)
}

@Test func wsmpVersion2AndPortAddressing() throws {
  let spatFrame = try rawPayloads("SpatReceiverTest_ValidSPAT.txt.hex")[0]
  let version2: [UInt8] =
    [0x02, 0x80, 0x02, 0x0F, 0x01, 0xAC, 0x10, 0x01, 0x0C, 0x04, 0x01, 0x14, 0x80]
    + [UInt8(spatFrame.count >> 8), UInt8(spatFrame.count & 0xFF)] + spatFrame
  let found = try locate(version2).get()
  #expect(found.messageId == spat && found.frame == 15..<version2.count)
  #expect(found.wsmp?.version == 2 && found.wsmp?.psid == 0x82 && found.wsmp?.channel == 172)

  let ported: [UInt8] =
    [0x03, 0x02, 0x12, 0x34, 0x56, 0x78] + wsmpLength(spatFrame.count) + spatFrame
  let portedFound = try locate(ported).get()
  #expect(portedFound.frame == 7..<ported.count && portedFound.wsmp?.psid == nil)
}

@Test func unsecured1609Dot2InsideWSMPWithLongLengths() throws {
  let mapFrame = try rawPayloads("MapReceiverTest_ValidMAP.txt.hex")[0]
  #expect(mapFrame.count > 255)
  let dot2: [UInt8] = [0x03, 0x80] + oerLength(mapFrame.count) + mapFrame
  let wrapped = wsmpVersion3(dot2, psid: [0xE0, 0x00, 0x00, 0x17])
  let found = try locate(wrapped.bytes).get()
  #expect(found.layers == [.wsmp, .ieee1609Dot2Unsecured])
  #expect(Array(wrapped.bytes[found.frame]) == mapFrame)
  #expect(found.wsmp?.psid == 0x17 + 0x20_4080)
}

@Test func clearErrors() throws {
  let bsmFrame = try rawPayloads("bsmTx.bin.hex")[0]
  #expect(throws: UnwrapError.unsupported1609Dot2Content) {
    try locate([0x03, 0x82, 0x00] + bsmFrame).get()
  }
  #expect(throws: UnwrapError.bad1609Dot2Version(2)) {
    try locate([0x03, 0x81, 0x00, 0x40, 0x02, 0x80, 0x05] + bsmFrame).get()
  }
  #expect(throws: UnwrapError.unsupportedWSMPTransport(4)) {
    try locate([0x03, 0x04, 0x20, 0x05] + bsmFrame).get()
  }
  #expect(throws: UnwrapError.lengthBeyondData) { try locate(Array(bsmFrame.dropLast())).get() }
  #expect(throws: UnwrapError.truncated) { try locate([0x00, 0x14]).get() }
  #expect(throws: UnwrapError.noFrame) { try locate([UInt8](repeating: 0x55, count: 40)).get() }
  let notWSMP: [UInt8] = [0x05, 0x00, 0x20, 0x03]
  #expect(throws: UnwrapError.badWSMPVersion(5)) {
    try notWSMP.withUnsafeBytes { V2XUnwrap.parseWSMP($0) }.get()
  }
  // The forwarder rule accepts 1609.2 only when its length fits.
  let header = [UInt8](repeating: 0x11, count: 12)
  #expect(throws: UnwrapError.noFrame) {
    try locate(header + [0x03, 0x80, 0x81, 0xFF] + bsmFrame).get()
  }
  let forwarded = try locate(header + [0x03, 0x80] + oerLength(bsmFrame.count) + bsmFrame).get()
  #expect(
    forwarded.layers == [.forwarderHeader, .ieee1609Dot2Unsecured]
      && forwarded.frame == 16..<(16 + bsmFrame.count))
}

// MARK: - Damaged input

/// The located frame, if any, must be a real frame: in bounds, known id, length as declared.
private func expectSound(_ result: Result<UnwrappedFrame, UnwrapError>, in bytes: [UInt8]) {
  guard case .success(let found) = result else { return }
  #expect(found.frame.lowerBound >= 0 && found.frame.upperBound <= bytes.count)
  #expect(bytes[found.frame.lowerBound] == 0 && V2XUnwrap.knownMessageIds.contains(found.messageId))
  for range in [found.security?.signer, found.security?.signature, found.security?.toBeSigned] {
    if let range { #expect(range.lowerBound >= 0 && range.upperBound <= bytes.count) }
  }
}

@Test func truncationAtEveryLengthNeverInventsAFrame() throws {
  let commsignia = try rawPayloads("bsmLogDuringEvent_commsignia.gz.hex")[0]
  let payloads: [[UInt8]] = [
    wsmpVersion3(signedData(commsignia, psid: 0x20, signer: .certificate).bytes, psid: [0x20])
      .bytes,
    try rawPayloads("BsmReceiverTest_ValidBSM.txt.hex")[0],
    try rawPayloads("decoder-input-bsm.json.hex")[0],
    try rawPayloads("PsmReceiverTest_ValidPSM.txt.hex")[0],
  ]
  for payload in payloads {
    let whole = try locate(payload).get()
    for length in 0..<payload.count {
      let cut = Array(payload.prefix(length))
      let result = locate(cut)
      expectSound(result, in: cut)
      if case .success(let found) = result {
        // Only the real frame, once all of it is there.
        #expect(found.frame == whole.frame && length >= whole.frame.upperBound)
      }
    }
  }
}

@Test func randomBitFlipsAndGarbageNeverCrash() throws {
  var random = SeededGenerator(state: 0x5147_4854)
  let commsignia = try rawPayloads("bsmLogDuringEvent_commsignia.gz.hex")[7]
  let payloads: [[UInt8]] = [
    wsmpVersion3(signedData(commsignia, psid: 0x20, signer: .certificate).bytes, psid: [0x20])
      .bytes,
    wsmpVersion3(signedData(commsignia, psid: 0x20, signer: .digest).bytes, psid: [0x20]).bytes,
    try rawPayloads("decoder-input-bsm.json.hex")[0],
    try rawPayloads("BsmReceiverTest_ValidBSM.txt.hex")[0],
  ]
  for payload in payloads {
    for _ in 0..<3000 {
      var damaged = payload
      for _ in 0..<Int.random(in: 1...4, using: &random) {
        damaged[Int.random(in: 0..<damaged.count, using: &random)] ^=
          1 << UInt8.random(in: 0...7, using: &random)
      }
      expectSound(locate(damaged), in: damaged)
    }
  }
  for _ in 0..<5000 {
    let garbage = (0..<Int.random(in: 0...300, using: &random)).map { _ in
      UInt8.random(in: 0...255, using: &random)
    }
    expectSound(locate(garbage), in: garbage)
  }
}
