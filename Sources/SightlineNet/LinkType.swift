// SightlineNet link types: which link-layer header a captured frame starts with, and where the
// network-layer packet begins behind it. Numbers follow pcap's LINKTYPE_* registry; the DLT_*
// numbers libpcap reports for the same headers are accepted too.

/// Link-layer header types a capture may use.
public enum LinkType: Sendable, Hashable, CaseIterable, CustomStringConvertible, RawRepresentable {
  /// Ethernet II, with any number of 802.1Q / 802.1ad VLAN tags (LINKTYPE_ETHERNET, 1).
  case ethernet
  /// Raw IP with no link header; the version nibble tells IPv4 from IPv6 (LINKTYPE_RAW, 101;
  /// libpcap reports it as DLT_RAW, 12 on Linux).
  case rawIP
  /// Raw IPv4 with no link header (LINKTYPE_IPV4, 228).
  case rawIPv4
  /// Linux "cooked" capture, version 1: 16-byte header, protocol at offset 14 (LINKTYPE_LINUX_SLL, 113).
  case linuxCooked
  /// Linux "cooked" capture, version 2: 20-byte header, protocol at offset 0 (LINKTYPE_LINUX_SLL2, 276).
  case linuxCooked2

  /// DLT_RAW as libpcap reports it on Linux for LINKTYPE_RAW files.
  public static let dltRawLinux: Int32 = 12

  public init?(rawValue: Int32) {
    switch rawValue {
    case 1: self = .ethernet
    case 101, Self.dltRawLinux: self = .rawIP
    case 228: self = .rawIPv4
    case 113: self = .linuxCooked
    case 276: self = .linuxCooked2
    default: return nil
    }
  }

  /// The LINKTYPE_* number, as written in a pcap file header.
  public var rawValue: Int32 {
    switch self {
    case .ethernet: 1
    case .rawIP: 101
    case .rawIPv4: 228
    case .linuxCooked: 113
    case .linuxCooked2: 276
    }
  }

  public var description: String {
    switch self {
    case .ethernet: "Ethernet"
    case .rawIP: "raw IP"
    case .rawIPv4: "raw IPv4"
    case .linuxCooked: "Linux cooked (SLL)"
    case .linuxCooked2: "Linux cooked v2 (SLL2)"
    }
  }
}
