// SightlineNet: finds the UDP datagram inside one captured link-layer frame. Pure and
// allocation-free: it returns a view into the caller's bytes, or the reason it skipped the frame.
// It trusts the UDP length and the captured length, never the IPv4 total length or checksum,
// which real sensors get wrong (FIELD-NOTES §1). Fragments are skipped here; DatagramExtractor
// reassembles them.

/// A UDP datagram located inside a captured frame. `payload` borrows the caller's bytes (or, for a
/// reassembled datagram, the extractor's buffer).
public struct UDPDatagram {
  public var sourceAddress: UInt32
  public var destinationAddress: UInt32
  public var sourcePort: UInt16
  public var destinationPort: UInt16
  public var payload: UnsafeRawBufferPointer

  public init(
    sourceAddress: UInt32, destinationAddress: UInt32, sourcePort: UInt16,
    destinationPort: UInt16, payload: UnsafeRawBufferPointer
  ) {
    self.sourceAddress = sourceAddress
    self.destinationAddress = destinationAddress
    self.sourcePort = sourcePort
    self.destinationPort = destinationPort
    self.payload = payload
  }
}

/// Why a captured frame carried no usable UDP datagram. Every skip is counted by reason; callers
/// index counter arrays by `rawValue`, so new cases go at the end.
public enum FrameSkipReason: Int, CaseIterable, Sendable, CustomStringConvertible {
  case truncatedLinkHeader
  case notIPv4
  case truncatedIPHeader
  case notUDP
  case ipFragment
  case truncatedUDP
  /// A fragment whose IPv4 total length claims more bytes than were captured.
  case truncatedFragment
  /// A fragment that overlaps, overruns 64 KiB or contradicts the others; its datagram is dropped.
  case rejectedFragment
  /// A fragment already received (for example captured twice).
  case duplicateFragment

  public var description: String {
    switch self {
    case .truncatedLinkHeader: "truncated link header"
    case .notIPv4: "not IPv4"
    case .truncatedIPHeader: "truncated IPv4 header"
    case .notUDP: "not UDP"
    case .ipFragment: "IPv4 fragment"
    case .truncatedUDP: "UDP datagram shorter than its length field"
    case .truncatedFragment: "IPv4 fragment shorter than its total length"
    case .rejectedFragment: "IPv4 fragment overlapping, oversized or inconsistent"
    case .duplicateFragment: "duplicate IPv4 fragment"
    }
  }
}

public enum FrameParse {
  case datagram(UDPDatagram)
  case skipped(FrameSkipReason)
}

extension UnsafeRawBufferPointer {
  @inline(__always) func bigEndianUInt16(at offset: Int) -> UInt16 {
    UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
  }
  @inline(__always) func bigEndianUInt32(at offset: Int) -> UInt32 {
    UInt32(bigEndianUInt16(at: offset)) << 16 | UInt32(bigEndianUInt16(at: offset + 2))
  }
}

/// The fields of an IPv4 header that locating and reassembling a UDP datagram need.
struct IPv4Header {
  /// Offset of the IPv4 header in the frame.
  var start: Int
  var headerLength: Int
  /// As declared by the sender: only used to size fragments.
  var totalLength: Int
  var identification: UInt16
  var flagsAndOffset: UInt16
  var protocolNumber: UInt8
  var sourceAddress: UInt32
  var destinationAddress: UInt32

  var payloadStart: Int { start + headerLength }
  var moreFragments: Bool { flagsAndOffset & 0x2000 != 0 }
  var fragmentOffsetBytes: Int { Int(flagsAndOffset & 0x1FFF) * 8 }
  var isFragment: Bool { moreFragments || flagsAndOffset & 0x1FFF != 0 }
}

enum IPv4Location {
  case packet(IPv4Header)
  case skipped(FrameSkipReason)
}

enum LinkPayload {
  case ipv4(at: Int)
  case skipped(FrameSkipReason)
}

public enum UDPDatagramParser {
  static let etherTypeIPv4: UInt16 = 0x0800
  static let etherTypeVLAN: UInt16 = 0x8100
  static let etherTypeServiceVLAN: UInt16 = 0x88A8
  static let ipProtocolUDP: UInt8 = 17
  static let ethernetHeaderLength = 14
  static let vlanTagLength = 4
  static let linuxCookedHeaderLength = 16
  static let linuxCookedProtocolOffset = 14
  static let linuxCooked2HeaderLength = 20
  static let udpHeaderLength = 8

  /// Locates the UDP datagram in `frame`, a whole captured record of the given link type.
  /// Fragments are skipped with `.ipFragment`; use `DatagramExtractor` to reassemble them.
  public static func parse(_ frame: UnsafeRawBufferPointer, linkType: LinkType) -> FrameParse {
    switch locateUDPPacket(frame, linkType: linkType) {
    case .skipped(let reason):
      return .skipped(reason)
    case .packet(let header):
      guard !header.isFragment else { return .skipped(.ipFragment) }
      return datagram(in: frame, header: header)
    }
  }

  /// The datagram of an unfragmented packet: bounded by the captured bytes and the UDP length.
  static func datagram(in frame: UnsafeRawBufferPointer, header: IPv4Header) -> FrameParse {
    datagram(
      segment: UnsafeRawBufferPointer(rebasing: frame[header.payloadStart...]),
      sourceAddress: header.sourceAddress, destinationAddress: header.destinationAddress)
  }

  /// Reads a UDP header at the start of `segment` (the IPv4 payload as far as it is known).
  static func datagram(
    segment: UnsafeRawBufferPointer, sourceAddress: UInt32, destinationAddress: UInt32
  ) -> FrameParse {
    guard segment.count >= udpHeaderLength else { return .skipped(.truncatedUDP) }
    let udpLength = Int(segment.bigEndianUInt16(at: 4))
    guard udpLength >= udpHeaderLength, segment.count >= udpLength else {
      return .skipped(.truncatedUDP)
    }
    return .datagram(
      UDPDatagram(
        sourceAddress: sourceAddress, destinationAddress: destinationAddress,
        sourcePort: segment.bigEndianUInt16(at: 0),
        destinationPort: segment.bigEndianUInt16(at: 2),
        payload: UnsafeRawBufferPointer(rebasing: segment[udpHeaderLength..<udpLength])))
  }

  /// Finds the IPv4 header of a UDP packet (fragment or not) behind the link-layer header.
  static func locateUDPPacket(_ frame: UnsafeRawBufferPointer, linkType: LinkType)
    -> IPv4Location
  {
    switch networkLayerStart(frame, linkType: linkType) {
    case .skipped(let reason):
      return .skipped(reason)
    case .ipv4(let ipStart):
      return parseIPv4Header(frame, at: ipStart)
    }
  }

  static func networkLayerStart(_ frame: UnsafeRawBufferPointer, linkType: LinkType)
    -> LinkPayload
  {
    switch linkType {
    case .ethernet:
      guard frame.count >= ethernetHeaderLength else { return .skipped(.truncatedLinkHeader) }
      return skippingVLANTags(
        frame, etherType: frame.bigEndianUInt16(at: 12), payloadStart: ethernetHeaderLength)
    case .linuxCooked:
      guard frame.count >= linuxCookedHeaderLength else { return .skipped(.truncatedLinkHeader) }
      return skippingVLANTags(
        frame, etherType: frame.bigEndianUInt16(at: linuxCookedProtocolOffset),
        payloadStart: linuxCookedHeaderLength)
    case .linuxCooked2:
      guard frame.count >= linuxCooked2HeaderLength else { return .skipped(.truncatedLinkHeader) }
      return skippingVLANTags(
        frame, etherType: frame.bigEndianUInt16(at: 0), payloadStart: linuxCooked2HeaderLength)
    case .rawIP, .rawIPv4:
      return .ipv4(at: 0)
    }
  }

  /// Follows 802.1Q / 802.1ad tags (libpcap re-inserts stripped tags, cooked captures included)
  /// to the real EtherType.
  static func skippingVLANTags(
    _ frame: UnsafeRawBufferPointer, etherType firstEtherType: UInt16, payloadStart: Int
  ) -> LinkPayload {
    var etherType = firstEtherType
    var offset = payloadStart
    while etherType == etherTypeVLAN || etherType == etherTypeServiceVLAN {
      guard frame.count >= offset + vlanTagLength else { return .skipped(.truncatedLinkHeader) }
      etherType = frame.bigEndianUInt16(at: offset + 2)
      offset += vlanTagLength
    }
    guard etherType == etherTypeIPv4 else { return .skipped(.notIPv4) }
    return .ipv4(at: offset)
  }

  static func parseIPv4Header(_ frame: UnsafeRawBufferPointer, at ipStart: Int) -> IPv4Location {
    // The version nibble first, so a short IPv6 packet on a raw-IP link reads as "not IPv4".
    guard frame.count > ipStart else { return .skipped(.truncatedIPHeader) }
    let versionAndLength = frame[ipStart]
    guard versionAndLength >> 4 == 4 else { return .skipped(.notIPv4) }
    guard frame.count >= ipStart + 20 else { return .skipped(.truncatedIPHeader) }
    let headerLength = Int(versionAndLength & 0x0F) * 4
    guard headerLength >= 20, frame.count >= ipStart + headerLength else {
      return .skipped(.truncatedIPHeader)
    }
    let protocolNumber = frame[ipStart + 9]
    guard protocolNumber == ipProtocolUDP else { return .skipped(.notUDP) }
    return .packet(
      IPv4Header(
        start: ipStart, headerLength: headerLength,
        totalLength: Int(frame.bigEndianUInt16(at: ipStart + 2)),
        identification: frame.bigEndianUInt16(at: ipStart + 4),
        flagsAndOffset: frame.bigEndianUInt16(at: ipStart + 6),
        protocolNumber: protocolNumber,
        sourceAddress: frame.bigEndianUInt32(at: ipStart + 12),
        destinationAddress: frame.bigEndianUInt32(at: ipStart + 16)))
  }
}
