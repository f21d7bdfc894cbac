// Tests for PayloadText: hex text to bytes, and finding the hex payload in jpo-ode and V2X Hub
// JSON, including malformed and random input that must give nil rather than trap.
import Foundation
import Testing

@testable import SightlineV2X

private func decodeHex(_ text: String, capacity: Int = 4096) -> [UInt8]? {
  var buffer = [UInt8](repeating: 0, count: capacity)
  let utf8 = Array(text.utf8)
  let count = utf8.withUnsafeBytes { text in
    buffer.withUnsafeMutableBytes { PayloadText.bytes(fromHex: text, into: $0) }
  }
  return count.map { Array(buffer.prefix($0)) }
}

private func payloadString(_ json: String) -> String? {
  let utf8 = Array(json.utf8)
  return utf8.withUnsafeBytes { PayloadText.hexPayload(fromJSON: $0) }.map {
    String(decoding: utf8[$0], as: UTF8.self)
  }
}

private let rawFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Fixtures/raw")

private func firstLine(_ file: String) throws -> String {
  let text = try String(contentsOf: rawFolder.appendingPathComponent(file), encoding: .utf8)
  return String(text.split(whereSeparator: \.isNewline)[0])
}

@Test func hexDigitsSpacingCaseAndPrefix() {
  #expect(decodeHex("00140aFF") == [0x00, 0x14, 0x0A, 0xFF])
  #expect(decodeHex(" 00 14\n0a\tff\r\n") == [0x00, 0x14, 0x0A, 0xFF])
  #expect(decodeHex("0x0014") == [0x00, 0x14])
  #expect(decodeHex("0X00 0x14 0xAb") == [0x00, 0x14, 0xAB])
  #expect(decodeHex("") == [])
  #expect(decodeHex("001") == nil)  // odd
  #expect(decodeHex("0 0 1") == nil)  // odd across groups
  #expect(decodeHex("00g4") == nil)
  #expect(decodeHex("00x14") == nil)  // 0x only at a group start
  #expect(decodeHex("00-14") == nil)
  #expect(decodeHex("001400", capacity: 2) == nil)  // overflow
  #expect(decodeHex("0014", capacity: 2) == [0x00, 0x14])
}

@Test func everyRawLineDecodesLikeFoundation() throws {
  let files = try FileManager.default.contentsOfDirectory(atPath: rawFolder.path).filter {
    $0.hasSuffix(".hex")
  }
  #expect(files.count == 18)
  var lines = 0
  for file in files {
    let text = try String(contentsOf: rawFolder.appendingPathComponent(file), encoding: .utf8)
    for line in text.split(whereSeparator: \.isNewline) {
      let reference = stride(from: 0, to: line.count, by: 2).map { offset -> UInt8 in
        let start = line.index(line.startIndex, offsetBy: offset)
        return UInt8(line[start..<line.index(start, offsetBy: 2)], radix: 16)!
      }
      #expect(decodeHex(String(line)) == reference)
      #expect(decodeHex(String(line).uppercased()) == reference)
      lines += 1
    }
  }
  #expect(lines == 1413)
}

@Test func odeJSONPayloadBytes() throws {
  let hex = try firstLine("decoder-input-bsm.json.hex")
  // jpo-ode OdeAsn1Data: metadata (with a decoy "bytes"), payload.data.bytes.
  let json = """
    {"metadata":{"bytes":"ffff","recordType":"rxMsg","payloadType":"us.dot.its.jpo.ode.model.OdeAsn1Payload",
      "serialId":{"streamId":"a","bundleSize":1},"encodings":[{"elementName":"unsecuredData","encodingRule":"UPER"}]},
     "payload":{"dataType":"us.dot.its.jpo.ode.model.OdeHexByteArray","data":{"bytes":"\(hex)"}}}
    """
  #expect(payloadString(json) == hex)
  let bytes = try #require(decodeHex(payloadString(json)!))
  let found = try bytes.withUnsafeBytes { V2XUnwrap.locateFrame($0) }.get()
  #expect(found.messageId == 20 && found.layers == .ieee1609Dot2Signed)
}

@Test func v2xHubRouteableMessagePayload() throws {
  let hex = try firstLine("SpatReceiverTest_ValidSPAT.txt.hex")
  let json = """
    { "header": { "type": "J2735", "subtype": "SPAT-P", "source": "SPAT", "sourceId": 0,
      "encoding": "asn.1-uper/hexstring", "timestamp": 1700000000000, "flags": 0 },
      "payload": "\(hex.uppercased())" }
    """
  #expect(payloadString(json) == hex.uppercased())
  let bytes = try #require(decodeHex(payloadString(json)!))
  let found = try bytes.withUnsafeBytes { V2XUnwrap.locateFrame($0) }.get()
  #expect(found.messageId == 19)
}

@Test func jsonWithoutAHexPayloadIsNil() {
  #expect(payloadString(#"{"payload":{"data":{"bytes":"0014zz"}}}"#) == nil)  // not hex
  #expect(payloadString(#"{"payload":{"data":{"bytes":"001"}}}"#) == nil)  // odd
  #expect(payloadString(#"{"payload":{"data":{"bytes":""}}}"#) == nil)
  #expect(payloadString(#"{"other":{"data":{"bytes":"0014"}}}"#) == nil)  // not under payload
  #expect(payloadString(#"{"header":{"payload":"0014"}}"#) == nil)  // not the root's payload
  #expect(payloadString(#"{"payload":{"data":{"bytes":["0014"]}}}"#) == nil)
  #expect(payloadString(#"{"payload":"{\"json\":1}"}"#) == nil)
  #expect(payloadString(#"["payload","0014"]"#) == nil)  // root must be an object
  #expect(payloadString(#"{"payload":{"data":{"bytes":"0014"}}}"#) == "0014")
}

@Test func malformedJSONIsNil() {
  let good = #"{"payload":{"data":{"bytes":"0014"}},"n":[1,2,{"x":null}]}"#
  #expect(payloadString(good) == "0014")
  let utf8 = Array(good.utf8)
  for length in 0..<utf8.count {  // every truncation
    let cut = String(decoding: utf8.prefix(length), as: UTF8.self)
    #expect(payloadString(cut) == nil, "\(cut)")
  }
  #expect(payloadString(good + " x") == nil)  // trailing garbage
  #expect(payloadString(#"{"payload":{"data":{"bytes":"0014"]}}"#) == nil)  // mismatched
  #expect(payloadString(#"{"payload":{"data":{"bytes":"0014"}}}}"#) == nil)  // extra close
  #expect(payloadString("{\"payload\":\"00\n14\"}") == nil)  // raw newline in a string
  #expect(
    payloadString(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) == nil)
}

@Test func randomTextNeverTraps() {
  var state: UInt64 = 0xC0FF_EE00
  func next() -> UInt64 {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return state >> 33
  }
  let alphabet = Array(#"{}[]":,\ 0x14abcdefgpayloaddatabytes"#.utf8)
  var buffer = [UInt8](repeating: 0, count: 64)
  for _ in 0..<20_000 {
    let text = (0..<Int(next() % 80)).map { _ in
      next() % 4 == 0 ? UInt8(truncatingIfNeeded: next()) : alphabet[Int(next()) % alphabet.count]
    }
    text.withUnsafeBytes { raw in
      if let range = PayloadText.hexPayload(fromJSON: raw) {
        #expect(range.lowerBound > 0 && range.upperBound < raw.count)
      }
      _ = buffer.withUnsafeMutableBytes { PayloadText.bytes(fromHex: raw, into: $0) }
    }
  }
}
