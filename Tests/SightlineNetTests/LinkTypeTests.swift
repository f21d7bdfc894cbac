import SightlineNet
import Testing

@Suite struct LinkTypeTests {
  let payload: [UInt8] = [0xFF, 0xEE, 0x10, 0x27, 0x42]
  var packet: [UInt8] { ipv4Packet(udpSegment(payload: payload, sourcePort: 443)) }
  var expected: Found {
    .datagram(sourcePort: 443, destinationPort: 2368, source: 0xC0A8_01C9, payload: payload)
  }

  @Test func mapsPcapNumbersBothWays() {
    #expect(LinkType(rawValue: 1) == .ethernet)
    #expect(LinkType(rawValue: 12) == .rawIP)  // DLT_RAW as libpcap reports it on Linux
    #expect(LinkType(rawValue: 101) == .rawIP)  // LINKTYPE_RAW in the file header
    #expect(LinkType(rawValue: 228) == .rawIPv4)
    #expect(LinkType(rawValue: 113) == .linuxCooked)
    #expect(LinkType(rawValue: 276) == .linuxCooked2)
    #expect(LinkType(rawValue: 0) == nil)
    #expect(LinkType(rawValue: 229) == nil)
    for type in LinkType.allCases { #expect(LinkType(rawValue: type.rawValue) == type) }
    #expect(Set(LinkType.allCases.map(\.description)).count == LinkType.allCases.count)
  }

  @Test func ethernet() {
    #expect(found(ethernetFrame(packet), .ethernet) == expected)
  }

  @Test(
    arguments: [[0x8100], [0x88A8], [0x88A8, 0x8100], [0x8100, 0x8100, 0x8100]] as [[UInt16]])
  func ethernetThroughVLANTags(tags: [UInt16]) {
    let frame = ethernetFrame(packet, vlanTags: tags)
    #expect(frame.count == 14 + 4 * tags.count + packet.count)
    #expect(found(frame, .ethernet) == expected)
  }

  @Test func vlanTagWithoutIPv4BehindIt() {
    // An ARP frame inside a VLAN tag: the tag is followed, the EtherType is not IPv4.
    let frame = ethernetFrame(packet, vlanTags: [0x8100], etherType: 0x0806)
    #expect(found(frame, .ethernet) == .skipped(.notIPv4))
    let cutInsideTag = Array(ethernetFrame(packet, vlanTags: [0x88A8, 0x8100]).prefix(20))
    #expect(found(cutInsideTag, .ethernet) == .skipped(.truncatedLinkHeader))
  }

  @Test func rawIPAcceptsOnlyVersion4() {
    #expect(found(packet, .rawIP) == expected)
    #expect(found(packet, .rawIPv4) == expected)
    var ipv6 = packet
    ipv6[0] = 0x60
    #expect(found(ipv6, .rawIP) == .skipped(.notIPv4))
    #expect(found([0x60], .rawIP) == .skipped(.notIPv4))
    #expect(found([], .rawIP) == .skipped(.truncatedIPHeader))
  }

  @Test func linuxCooked() {
    let frame = linuxCookedFrame(packet)
    #expect(frame.count == 16 + packet.count)
    #expect(found(frame, .linuxCooked) == expected)
    #expect(
      found(linuxCookedFrame(packet, protocolType: 0x86DD), .linuxCooked) == .skipped(.notIPv4))
    #expect(found(Array(frame.prefix(15)), .linuxCooked) == .skipped(.truncatedLinkHeader))
  }

  @Test func linuxCookedWithVLANTag() {
    // libpcap puts a stripped VLAN tag back behind the cooked header.
    let tagged = [0x00, 0x64] + bigEndian16(0x0800) + packet
    #expect(found(linuxCookedFrame(tagged, protocolType: 0x8100), .linuxCooked) == expected)
    #expect(found(linuxCooked2Frame(tagged, protocolType: 0x8100), .linuxCooked2) == expected)
  }

  @Test func linuxCooked2() {
    let frame = linuxCooked2Frame(packet)
    #expect(frame.count == 20 + packet.count)
    #expect(found(frame, .linuxCooked2) == expected)
    #expect(
      found(linuxCooked2Frame(packet, protocolType: 0x0806), .linuxCooked2) == .skipped(.notIPv4))
    #expect(found(Array(frame.prefix(19)), .linuxCooked2) == .skipped(.truncatedLinkHeader))
    // The same bytes read as SLL v1 find the protocol in the wrong place.
    #expect(found(frame, .linuxCooked) != expected)
  }

  @Test func realCookedHeaderBytes() {
    // Headers in the layout Linux gives a broadcast from a Velodyne MAC (SLL v1, then SLL2).
    let sll: [UInt8] = [
      0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x60, 0x76, 0x88, 0x2F, 0x6B, 0x1C, 0x00, 0x00, 0x08,
      0x00,
    ]
    let sll2: [UInt8] = [
      0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x01, 0x06, 0x60, 0x76, 0x88,
      0x2F, 0x6B, 0x1C, 0x00, 0x00,
    ]
    let position = ipv4Packet(
      udpSegment(payload: patternBytes(512), sourcePort: 443, destinationPort: 8308),
      totalLength: 1234)
    for (header, type) in [(sll, LinkType.linuxCooked), (sll2, .linuxCooked2)] {
      guard case .datagram(_, let port, _, let body) = found(header + position, type) else {
        Issue.record("\(type): no datagram")
        continue
      }
      #expect(port == 8308)
      #expect(body == patternBytes(512))
    }
  }

  @Test(arguments: LinkType.allCases)
  func everyPrefixIsParsedOrSkippedNeverTrusted(linkType: LinkType) {
    let frame: [UInt8]
    switch linkType {
    case .ethernet: frame = ethernetFrame(packet, vlanTags: [0x88A8, 0x8100])
    case .rawIP, .rawIPv4: frame = packet
    case .linuxCooked: frame = linuxCookedFrame(packet)
    case .linuxCooked2: frame = linuxCooked2Frame(packet)
    }
    #expect(found(frame, linkType) == expected)
    for length in 0..<frame.count {
      let prefix = Array(frame.prefix(length))
      if case .datagram = found(prefix, linkType) {
        Issue.record("\(linkType): accepted a frame cut to \(length) bytes")
      }
      var extractor = DatagramExtractor()
      if case .datagram = extractor.feed(prefix, linkType: linkType) {
        Issue.record("\(linkType): extractor accepted a frame cut to \(length) bytes")
      }
    }
  }

  @Test func skipReasonsStayDenseAndDistinct() {
    let reasons = FrameSkipReason.allCases
    #expect(reasons.map(\.rawValue) == Array(0..<reasons.count))
    #expect(Set(reasons.map(\.description)).count == reasons.count)
    // Existing counters keep their slots.
    #expect(FrameSkipReason.ipFragment.rawValue == 4)
    #expect(FrameSkipReason.truncatedUDP.rawValue == 5)
  }
}
