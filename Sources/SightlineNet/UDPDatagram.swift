// SightlineNet: finds the UDP datagram inside one captured link-layer frame. Pure and
// allocation-free: it returns a view into the caller's bytes, or the reason it skipped the frame.
// It trusts the UDP length and the captured length, never the IPv4 total length or checksum,
// which real sensors get wrong (FIELD-NOTES §1).

/// Link-layer header types, numbered as in pcap's LINKTYPE_* registry.
public enum LinkType: Int32, Sendable, CustomStringConvertible {
  case ethernet = 1
  case rawIPv4 = 228

  public var description: String {
    switch self {
    case .ethernet: "Ethernet"
    case .rawIPv4: "raw IPv4"
    }
  }
}

/// A UDP datagram located inside a captured frame. `payload` borrows the caller's bytes.
public struct UDPDatagram {
  public var sourceAddress: UInt32
  public var destinationAddress: UInt32
  public var sourcePort: UInt16
  public var destinationPort: UInt16
  public var payload: UnsafeRawBufferPointer
}

/// Why a captured frame carried no usable UDP datagram. Every skip is counted by reason.
public enum FrameSkipReason: Int, CaseIterable, Sendable, CustomStringConvertible {
  case truncatedLinkHeader
  case notIPv4
  case truncatedIPHeader
  case notUDP
  case ipFragment
  case truncatedUDP

  public var description: String {
    switch self {
    case .truncatedLinkHeader: "truncated link header"
    case .notIPv4: "not IPv4"
    case .truncatedIPHeader: "truncated IPv4 header"
    case .notUDP: "not UDP"
    case .ipFragment: "IPv4 fragment"
    case .truncatedUDP: "UDP datagram shorter than its length field"
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

public enum UDPDatagramParser {
  static let etherTypeIPv4: UInt16 = 0x0800
  static let etherTypeVLAN: UInt16 = 0x8100
  static let ipProtocolUDP: UInt8 = 17

  /// Locates the UDP datagram in `frame`, a whole captured record of the given link type.
  public static func parse(_ frame: UnsafeRawBufferPointer, linkType: LinkType) -> FrameParse {
    var offset = 0
    switch linkType {
    case .ethernet:
      guard frame.count >= 14 else { return .skipped(.truncatedLinkHeader) }
      var etherType = frame.bigEndianUInt16(at: 12)
      offset = 14
      while etherType == etherTypeVLAN {
        guard frame.count >= offset + 4 else { return .skipped(.truncatedLinkHeader) }
        etherType = frame.bigEndianUInt16(at: offset + 2)
        offset += 4
      }
      guard etherType == etherTypeIPv4 else { return .skipped(.notIPv4) }
    case .rawIPv4:
      break
    }
    return parseIPv4(frame, at: offset)
  }

  static func parseIPv4(_ frame: UnsafeRawBufferPointer, at ipStart: Int) -> FrameParse {
    guard frame.count >= ipStart + 20 else { return .skipped(.truncatedIPHeader) }
    let versionAndLength = frame[ipStart]
    guard versionAndLength >> 4 == 4 else { return .skipped(.notIPv4) }
    let headerLength = Int(versionAndLength & 0x0F) * 4
    guard headerLength >= 20, frame.count >= ipStart + headerLength else {
      return .skipped(.truncatedIPHeader)
    }
    guard frame[ipStart + 9] == ipProtocolUDP else { return .skipped(.notUDP) }
    let flagsAndOffset = frame.bigEndianUInt16(at: ipStart + 6)
    let moreFragments = flagsAndOffset & 0x2000 != 0
    guard !moreFragments, flagsAndOffset & 0x1FFF == 0 else { return .skipped(.ipFragment) }

    let udpStart = ipStart + headerLength
    guard frame.count >= udpStart + 8 else { return .skipped(.truncatedUDP) }
    let udpLength = Int(frame.bigEndianUInt16(at: udpStart + 4))
    guard udpLength >= 8, frame.count >= udpStart + udpLength else {
      return .skipped(.truncatedUDP)
    }
    let payload = UnsafeRawBufferPointer(
      rebasing: frame[(udpStart + 8)..<(udpStart + udpLength)])
    return .datagram(
      UDPDatagram(
        sourceAddress: frame.bigEndianUInt32(at: ipStart + 12),
        destinationAddress: frame.bigEndianUInt32(at: ipStart + 16),
        sourcePort: frame.bigEndianUInt16(at: udpStart),
        destinationPort: frame.bigEndianUInt16(at: udpStart + 2),
        payload: payload))
  }
}
