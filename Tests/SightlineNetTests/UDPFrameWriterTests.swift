// Frames written by UDPFrameWriter must be what the byte-by-byte builders lay out, carry valid
// IPv4 (and UDP) checksums checked by an independent sum, and parse back through the extractor.

import SightlineNet
import Testing

/// RFC 1071 ones'-complement sum of big-endian words, written out again here so the writer's own
/// checksum code is not checking itself.
func onesComplementSum(_ bytes: ArraySlice<UInt8>, initial: UInt32 = 0) -> UInt16 {
  var sum = initial
  var words = Array(bytes)
  if words.count % 2 == 1 { words.append(0) }
  for index in stride(from: 0, to: words.count, by: 2) {
    sum += UInt32(words[index]) << 8 + UInt32(words[index + 1])
  }
  while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
  return UInt16(sum)
}

@Suite struct UDPFrameWriterTests {
  static let sensor = UDPFrameWriter.Endpoint(
    mac: 0x6076_8800_0001, address: UDPFrameWriter.Endpoint.ipv4(192, 168, 1, 201), port: 2368)
  static let host = UDPFrameWriter.Endpoint(
    mac: 0xFFFF_FFFF_FFFF, address: UDPFrameWriter.Endpoint.ipv4(192, 168, 1, 77), port: 2368)

  @Test func layoutMatchesTheHandBuiltFrame() throws {
    var writer = UDPFrameWriter(
      source: Self.sensor, destination: Self.host, computesUDPChecksum: false,
      firstIdentification: 0x1234)
    let payload = patternBytes(1206, seed: 3)
    let frame = try writer.write(payload: payload)
    let handBuilt = ethernetFrame(ipv4Packet(udpSegment(payload: payload)))
    #expect(frame.count == handBuilt.count)
    // The hand-built frame leaves the IPv4 checksum (bytes 24–25) at zero.
    #expect(Array(frame[..<24]) == Array(handBuilt[..<24]))
    #expect(Array(frame[26...]) == Array(handBuilt[26...]))
    #expect(frame[24] != 0 || frame[25] != 0)
  }

  @Test func ipv4ChecksumMatchesAPublishedExample() throws {
    // 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7: the header checksum is B861.
    var writer = UDPFrameWriter(
      source: .init(mac: 1, address: UDPFrameWriter.Endpoint.ipv4(192, 168, 0, 1), port: 1),
      destination: .init(mac: 2, address: UDPFrameWriter.Endpoint.ipv4(192, 168, 0, 199), port: 2))
    let frame = try writer.write(payload: [UInt8](repeating: 0, count: 0x73 - 28))
    #expect(
      Array(frame[14..<34]) == [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xB8, 0x61, 0xC0, 0xA8, 0x00,
        0x01, 0xC0, 0xA8, 0x00, 0xC7,
      ])
  }

  @Test func checksumsVerifyAndIdentificationCountsUp() throws {
    var writer = UDPFrameWriter(
      source: Self.sensor, destination: Self.host, timeToLive: 7, firstIdentification: 0xFFFF)
    for (index, size) in [1206, 512, 3, 0, 1001].enumerated() {
      let payload = patternBytes(size, seed: UInt8(index))
      let frame = try writer.write(payload: payload)
      #expect(onesComplementSum(frame[14..<34]) == 0xFFFF)
      #expect(frame[22] == 7)
      #expect(
        UInt16(frame[18]) << 8 | UInt16(frame[19]) == UInt16(truncatingIfNeeded: 0xFFFF + index))
      // UDP: the pseudo-header (addresses, protocol 17, UDP length) plus the datagram.
      let udpLength = 8 + size
      let pseudo =
        UInt32(onesComplementSum(frame[26..<34])) + 17 + UInt32(udpLength)
      #expect(onesComplementSum(frame[34..<(34 + udpLength)], initial: pseudo) == 0xFFFF)
      #expect(frame[40] != 0 || frame[41] != 0)
    }
  }

  @Test func framesParseBackThroughTheExtractor() throws {
    var writer = UDPFrameWriter(source: Self.sensor, destination: Self.host)
    var extractor = DatagramExtractor()
    for (size, seed) in [(1206, 1), (512, 2), (3, 3)] {
      let payload = patternBytes(size, seed: UInt8(seed))
      let frame = try writer.write(payload: payload)
      #expect(
        extractor.feed(frame)
          == .datagram(
            sourcePort: 2368, destinationPort: 2368, source: 0xC0A8_01C9, payload: payload))
      #expect(found(frame, .ethernet) == extractor.feed(frame))
    }
    #expect(extractor.counters == ReassemblyCounters())
  }

  @Test func shortFramesArePaddedAsOnTheWire() throws {
    var writer = UDPFrameWriter(source: Self.sensor, destination: Self.host)
    let frame = try writer.write(payload: [1, 2, 3])
    #expect(frame.count == 60)
    #expect(frame[45...].allSatisfy { $0 == 0 })
    #expect(Array(frame[16..<18]) == [0, 31])  // IPv4 total length excludes the padding
    guard case .datagram(let datagram) = parsed(frame, .ethernet) else {
      Issue.record("padded frame not parsed")
      return
    }
    #expect(Array(datagram.payload) == [1, 2, 3])
  }

  @Test func payloadsUpToTheIPv4LimitOnly() throws {
    var writer = UDPFrameWriter(source: Self.sensor, destination: Self.host)
    let largest = try writer.write(payload: [UInt8](repeating: 0xAB, count: 65507))
    #expect(largest.count == 14 + 65535)
    #expect(Array(largest[16..<18]) == [0xFF, 0xFF])
    #expect(onesComplementSum(largest[14..<34]) == 0xFFFF)
    #expect(throws: UDPFrameError.payloadTooLarge(65508)) {
      try writer.write(payload: [UInt8](repeating: 0, count: 65508))
    }
  }

  @Test func velodyneFactoryBroadcastsFromTheSensorAddress() throws {
    var writer = UDPFrameWriter.velodyne(port: 8308)
    let frame = try writer.write(payload: patternBytes(512))
    #expect(
      Array(frame[0..<12]) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x60, 0x76, 0x88, 0, 0, 1])
    #expect(Array(frame[26..<34]) == [192, 168, 1, 201, 255, 255, 255, 255])
    #expect(Array(frame[34..<38]) == [0x20, 0x74, 0x20, 0x74])  // 8308 → 8308
  }

  @Test func reusesItsBuffer() throws {
    var writer = UDPFrameWriter(source: Self.sensor, destination: Self.host)
    let payload = patternBytes(1206)
    try writer.write(payload: payload)
    let first = writer.frame.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    try writer.write(payload: Array(payload.reversed()))
    try writer.write(payload: patternBytes(512))
    let later = writer.frame.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    #expect(first == later)
  }
}
