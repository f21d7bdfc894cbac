// Builders for the frames the tests feed in: IPv4/UDP packets (whole or fragmented) behind each
// supported link-layer header, laid out byte by byte as on the wire.

import SightlineNet

func bigEndian16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

let sensorAddress: [UInt8] = [192, 168, 1, 201]
let hostAddress: [UInt8] = [192, 168, 1, 77]

/// A UDP header and payload (the IPv4 payload of an unfragmented packet).
func udpSegment(
  payload: [UInt8], sourcePort: UInt16 = 2368, destinationPort: UInt16 = 2368,
  udpLength: UInt16? = nil
) -> [UInt8] {
  bigEndian16(sourcePort) + bigEndian16(destinationPort)
    + bigEndian16(udpLength ?? UInt16(8 + payload.count)) + [0, 0] + payload
}

/// An IPv4 header in front of `ipPayload`. `flagsAndOffset` 0x4000 is "don't fragment".
func ipv4Packet(
  _ ipPayload: [UInt8], identification: UInt16 = 0x1234, flagsAndOffset: UInt16 = 0x4000,
  totalLength: UInt16? = nil, ipProtocol: UInt8 = 17, source: [UInt8] = sensorAddress
) -> [UInt8] {
  let total = totalLength ?? UInt16(20 + ipPayload.count)
  return [0x45, 0x00] + bigEndian16(total) + bigEndian16(identification)
    + bigEndian16(flagsAndOffset) + [64, ipProtocol, 0, 0] + source + hostAddress + ipPayload
}

/// Ethernet II; each entry of `vlanTags` is a tag protocol identifier (0x8100 or 0x88A8).
func ethernetFrame(_ packet: [UInt8], vlanTags: [UInt16] = [], etherType: UInt16 = 0x0800)
  -> [UInt8]
{
  var frame: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x60, 0x76, 0x88, 0x00, 0x00, 0x01]
  for (index, tag) in vlanTags.enumerated() {
    frame += bigEndian16(tag) + bigEndian16(UInt16(100 + index))
  }
  return frame + bigEndian16(etherType) + packet
}

/// Linux cooked v1 as `tcpdump -i any` writes it: packet type 0 (to us), ARPHRD_ETHER, a 6-byte
/// address padded to 8, then the protocol.
func linuxCookedFrame(_ packet: [UInt8], protocolType: UInt16 = 0x0800) -> [UInt8] {
  [0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x60, 0x76, 0x88, 0x00, 0x00, 0x01, 0x00, 0x00]
    + bigEndian16(protocolType) + packet
}

/// Linux cooked v2: protocol, reserved, interface index 2, ARPHRD_ETHER, packet type 0, address
/// length 6, the address padded to 8.
func linuxCooked2Frame(_ packet: [UInt8], protocolType: UInt16 = 0x0800) -> [UInt8] {
  bigEndian16(protocolType) + [0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06]
    + [0x60, 0x76, 0x88, 0x00, 0x00, 0x01, 0x00, 0x00] + packet
}

/// Splits a UDP segment into Ethernet-framed IPv4 fragments of `pieceBytes` (a multiple of 8).
func fragmentFrames(
  of segment: [UInt8], pieceBytes: Int, identification: UInt16 = 0x1234,
  source: [UInt8] = sensorAddress
) -> [[UInt8]] {
  var frames: [[UInt8]] = []
  var start = 0
  while start < segment.count {
    let end = min(start + pieceBytes, segment.count)
    let more: UInt16 = end < segment.count ? 0x2000 : 0
    let packet = ipv4Packet(
      Array(segment[start..<end]), identification: identification,
      flagsAndOffset: more | UInt16(start / 8), source: source)
    frames.append(ethernetFrame(packet))
    start = end
  }
  return frames
}

/// A fragment at byte `offset` carrying `bytes`, framed as Ethernet.
func fragmentFrame(
  _ bytes: [UInt8], offset: Int, more: Bool, identification: UInt16 = 0x1234
) -> [UInt8] {
  ethernetFrame(
    ipv4Packet(
      bytes, identification: identification,
      flagsAndOffset: (more ? 0x2000 : 0) | UInt16(offset / 8)))
}

func patternBytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &+ $0 >> 8) }
}

func parsed(_ frame: [UInt8], _ linkType: LinkType) -> FrameParse {
  frame.withUnsafeBytes { UDPDatagramParser.parse($0, linkType: linkType) }
}

/// The payload and ports of the datagram found, or the skip reason; copied out of the frame.
enum Found: Equatable {
  case datagram(sourcePort: UInt16, destinationPort: UInt16, source: UInt32, payload: [UInt8])
  case skipped(FrameSkipReason)
  case pending
}

func found(_ frame: [UInt8], _ linkType: LinkType) -> Found {
  switch parsed(frame, linkType) {
  case .datagram(let d):
    .datagram(
      sourcePort: d.sourcePort, destinationPort: d.destinationPort, source: d.sourceAddress,
      payload: Array(d.payload))
  case .skipped(let reason): .skipped(reason)
  }
}

extension DatagramExtractor {
  mutating func feed(_ frame: [UInt8], at time: Int64 = 0, linkType: LinkType = .ethernet)
    -> Found
  {
    frame.withUnsafeBytes { bytes in
      switch extract(bytes, linkType: linkType, captureTimeNanoseconds: time) {
      case .datagram(let d):
        .datagram(
          sourcePort: d.sourcePort, destinationPort: d.destinationPort, source: d.sourceAddress,
          payload: Array(d.payload))
      case .skipped(let reason): .skipped(reason)
      case .pendingFragment: .pending
      }
    }
  }
}
