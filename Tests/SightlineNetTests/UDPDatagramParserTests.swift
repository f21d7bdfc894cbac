import SightlineNet
import Testing

/// Builds an Ethernet/IPv4/UDP frame the way a sensor would put it on the wire.
func udpFrame(
  payload: [UInt8], sourcePort: UInt16 = 2368, destinationPort: UInt16 = 2368,
  vlanTags: Int = 0, ipProtocol: UInt8 = 17, fragmentField: UInt16 = 0x4000,
  ipTotalLength: UInt16? = nil, udpLength: UInt16? = nil
) -> [UInt8] {
  func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
  var frame = [UInt8](repeating: 0xFF, count: 6) + [0x60, 0x76, 0x88, 0x00, 0x00, 0x01]
  for _ in 0..<vlanTags { frame += be16(0x8100) + be16(0x0064) }
  frame += be16(0x0800)
  let total = ipTotalLength ?? UInt16(20 + 8 + payload.count)
  frame += [0x45, 0x00] + be16(total) + [0, 0] + be16(fragmentField) + [64, ipProtocol, 0, 0]
  frame += [192, 168, 1, 201] + [255, 255, 255, 255]
  frame += be16(sourcePort) + be16(destinationPort) + be16(udpLength ?? UInt16(8 + payload.count))
  frame += [0, 0] + payload
  return frame
}

func parse(_ frame: [UInt8], _ linkType: LinkType = .ethernet) -> FrameParse {
  frame.withUnsafeBytes { UDPDatagramParser.parse($0, linkType: linkType) }
}

func skipReason(_ frame: [UInt8], _ linkType: LinkType = .ethernet) -> FrameSkipReason? {
  if case .skipped(let reason) = parse(frame, linkType) { return reason }
  return nil
}

@Suite struct UDPDatagramParserTests {
  @Test func findsThePayloadAndPorts() {
    let frame = udpFrame(payload: [1, 2, 3, 4, 5], sourcePort: 443, destinationPort: 8308)
    frame.withUnsafeBytes { bytes in
      guard case .datagram(let d) = UDPDatagramParser.parse(bytes, linkType: .ethernet) else {
        Issue.record("no datagram")
        return
      }
      #expect(d.sourcePort == 443)
      #expect(d.destinationPort == 8308)
      #expect(Array(d.payload) == [1, 2, 3, 4, 5])
      #expect(d.sourceAddress == 0xC0A8_01C9)
    }
  }

  @Test func readsThroughVLANTags() {
    for tags in 1...2 {
      guard case .datagram(let d) = parse(udpFrame(payload: [9], vlanTags: tags)) else {
        Issue.record("VLAN-tagged frame not parsed")
        continue
      }
      #expect(d.destinationPort == 2368)
    }
  }

  @Test func trustsTheUDPLengthNotTheIPv4TotalLength() {
    // Real position packets declare an IPv4 total length of 1234 with 540 bytes present.
    let frame = udpFrame(payload: [UInt8](repeating: 7, count: 512), ipTotalLength: 1234)
    guard case .datagram(let d) = parse(frame) else {
      Issue.record("rejected a datagram with a wrong IPv4 total length")
      return
    }
    #expect(d.payload.count == 512)
  }

  @Test func rawIPv4LinkType() {
    let frame = Array(udpFrame(payload: [1, 2]).dropFirst(14))
    guard case .datagram(let d) = parse(frame, .rawIPv4) else {
      Issue.record("raw IPv4 not parsed")
      return
    }
    #expect(Array(d.payload) == [1, 2])
  }

  @Test func countsEachKindOfUnusableFrame() {
    #expect(skipReason(Array(udpFrame(payload: [1]).prefix(10))) == .truncatedLinkHeader)
    var arp = udpFrame(payload: [1])
    arp[12] = 0x08
    arp[13] = 0x06
    #expect(skipReason(arp) == .notIPv4)
    #expect(skipReason(Array(udpFrame(payload: [1]).prefix(20))) == .truncatedIPHeader)
    #expect(skipReason(udpFrame(payload: [1], ipProtocol: 6)) == .notUDP)
    #expect(skipReason(udpFrame(payload: [1], fragmentField: 0x2000)) == .ipFragment)
    #expect(skipReason(udpFrame(payload: [1], fragmentField: 0x0010)) == .ipFragment)
    #expect(skipReason(Array(udpFrame(payload: [1, 2, 3, 4]).dropLast(2))) == .truncatedUDP)
    #expect(skipReason(udpFrame(payload: [1], udpLength: 4)) == .truncatedUDP)
  }

  @Test func neverReadsPastTheCapturedBytes() {
    // Every prefix of a valid frame is either parsed or skipped; none may trap.
    let frame = udpFrame(payload: [UInt8](repeating: 1, count: 40), vlanTags: 1)
    for length in 0..<frame.count {
      if case .datagram = parse(Array(frame.prefix(length))) {
        Issue.record("accepted a frame cut to \(length) bytes")
      }
    }
  }
}
