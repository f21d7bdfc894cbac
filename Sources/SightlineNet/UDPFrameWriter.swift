// SightlineNet frame writing: wraps UDP payloads in Ethernet II, IPv4 and UDP headers, laid out
// as a capture records them, so synthetic sensor traffic can be written to pcap files. Pure; the
// frame buffer is reused, so writing allocates nothing once it has grown to the largest frame.

/// Why a payload could not be framed.
public enum UDPFrameError: Error, Equatable, CustomStringConvertible {
  /// More than fits in one unfragmented IPv4 packet (65507 bytes of UDP payload).
  case payloadTooLarge(Int)

  public var description: String {
    switch self {
    case .payloadTooLarge(let bytes):
      "a \(bytes)-byte UDP payload does not fit in one IPv4 packet"
    }
  }
}

/// Writes Ethernet II / IPv4 / UDP frames from one endpoint to another. IPv4 headers have a valid
/// checksum, "don't fragment" set and an identification that counts up per frame.
public struct UDPFrameWriter: Sendable {
  /// One end of the conversation.
  public struct Endpoint: Sendable, Equatable {
    /// MAC address in the low 48 bits, first octet most significant (60:76:88:00:00:01 is
    /// 0x6076_8800_0001).
    public var mac: UInt64
    /// IPv4 address, first octet most significant, as `UDPDatagram` reports it.
    public var address: UInt32
    public var port: UInt16

    public init(mac: UInt64, address: UInt32, port: UInt16) {
      self.mac = mac
      self.address = address
      self.port = port
    }

    /// An address written as four octets: `ipv4(192, 168, 1, 201)`.
    public static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> UInt32 {
      UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }
  }

  public static let ethernetHeaderLength = 14
  public static let ipv4HeaderLength = 20
  public static let udpHeaderLength = 8
  public static let headersLength = ethernetHeaderLength + ipv4HeaderLength + udpHeaderLength
  /// Ethernet's minimum frame without the FCS; shorter frames are padded on the wire.
  public static let minimumFrameLength = 60
  public static let maximumPayload = 65535 - ipv4HeaderLength - udpHeaderLength

  public var source: Endpoint
  public var destination: Endpoint
  public var timeToLive: UInt8
  /// When false the UDP checksum is 0 ("not computed"), which IPv4 allows.
  public var computesUDPChecksum: Bool
  /// IPv4 identification of the next frame.
  public var nextIdentification: UInt16
  /// The last frame written: headers, payload, and padding up to 60 bytes.
  public private(set) var frame: [UInt8] = []

  public init(
    source: Endpoint, destination: Endpoint, timeToLive: UInt8 = 64,
    computesUDPChecksum: Bool = true, firstIdentification: UInt16 = 0
  ) {
    self.source = source
    self.destination = destination
    self.timeToLive = timeToLive
    self.computesUDPChecksum = computesUDPChecksum
    nextIdentification = firstIdentification
  }

  /// A Velodyne sensor at its factory address (192.168.1.201, a Velodyne MAC) broadcasting on
  /// `port`: 2368 for data, 8308 for position packets.
  public static func velodyne(port: UInt16) -> UDPFrameWriter {
    UDPFrameWriter(
      source: Endpoint(mac: 0x6076_8800_0001, address: Endpoint.ipv4(192, 168, 1, 201), port: port),
      destination: Endpoint(
        mac: 0xFFFF_FFFF_FFFF, address: Endpoint.ipv4(255, 255, 255, 255), port: port))
  }

  /// Frames `payload`; the result is also kept in `frame` until the next call.
  @discardableResult
  public mutating func write(payload: [UInt8]) throws(UDPFrameError) -> [UInt8] {
    try payload.withUnsafeBytes { bytes in
      Result { () throws(UDPFrameError) in try write(payload: bytes) }
    }.get()
  }

  /// Frames `payload`; the result is also kept in `frame` until the next call.
  @discardableResult
  public mutating func write(payload: UnsafeRawBufferPointer) throws(UDPFrameError) -> [UInt8] {
    guard payload.count <= Self.maximumPayload else { throw .payloadTooLarge(payload.count) }
    let udpLength = Self.udpHeaderLength + payload.count
    let ipLength = Self.ipv4HeaderLength + udpLength
    let frameLength = max(Self.ethernetHeaderLength + ipLength, Self.minimumFrameLength)
    if frame.count != frameLength {
      frame.removeAll(keepingCapacity: true)
      frame.append(contentsOf: repeatElement(0, count: frameLength))
    }
    let identification = nextIdentification
    nextIdentification &+= 1
    let (source, destination, ttl) = (self.source, self.destination, timeToLive)
    let computesUDPChecksum = computesUDPChecksum
    frame.withUnsafeMutableBytes { out in
      // Ethernet II: destination MAC, source MAC, EtherType IPv4.
      out.storeBigEndian48(destination.mac, at: 0)
      out.storeBigEndian48(source.mac, at: 6)
      out.storeBigEndian(UInt16(0x0800), at: 12)

      let ip = Self.ethernetHeaderLength
      out[ip] = 0x45  // version 4, 5 words of header
      out[ip + 1] = 0
      out.storeBigEndian(UInt16(ipLength), at: ip + 2)
      out.storeBigEndian(identification, at: ip + 4)
      out.storeBigEndian(UInt16(0x4000), at: ip + 6)  // don't fragment, offset 0
      out[ip + 8] = ttl
      out[ip + 9] = 17  // UDP
      out.storeBigEndian(UInt16(0), at: ip + 10)
      out.storeBigEndian(source.address, at: ip + 12)
      out.storeBigEndian(destination.address, at: ip + 16)
      let header = UnsafeRawBufferPointer(rebasing: out[ip..<(ip + Self.ipv4HeaderLength)])
      out.storeBigEndian(~InternetChecksum.fold(InternetChecksum.sum(header)), at: ip + 10)

      let udp = ip + Self.ipv4HeaderLength
      out.storeBigEndian(source.port, at: udp)
      out.storeBigEndian(destination.port, at: udp + 2)
      out.storeBigEndian(UInt16(udpLength), at: udp + 4)
      out.storeBigEndian(UInt16(0), at: udp + 6)
      let body = udp + Self.udpHeaderLength
      if let base = payload.baseAddress, !payload.isEmpty {
        (out.baseAddress! + body).copyMemory(from: base, byteCount: payload.count)
      }
      for index in (body + payload.count)..<frameLength { out[index] = 0 }

      if computesUDPChecksum {
        // RFC 768: over a pseudo-header (addresses, protocol, length) and the whole datagram.
        let pseudoHeader =
          UInt32(source.address >> 16) + UInt32(source.address & 0xFFFF)
          + UInt32(destination.address >> 16) + UInt32(destination.address & 0xFFFF)
          + 17 + UInt32(udpLength)
        let datagram = UnsafeRawBufferPointer(rebasing: out[udp..<(udp + udpLength)])
        let checksum = ~InternetChecksum.fold(
          InternetChecksum.sum(datagram, initial: UInt64(pseudoHeader)))
        // A computed 0 is sent as FFFF: 0 means "no checksum".
        out.storeBigEndian(checksum == 0 ? 0xFFFF : checksum, at: udp + 6)
      }
    }
    return frame
  }
}

/// The ones'-complement sum of RFC 1071, shared by the IPv4 and UDP checksums.
public enum InternetChecksum {
  /// Sum of the big-endian 16-bit words of `bytes` (an odd last byte is padded with zero).
  public static func sum(_ bytes: UnsafeRawBufferPointer, initial: UInt64 = 0) -> UInt64 {
    var total = initial
    var index = 0
    while index + 1 < bytes.count {
      total += UInt64(bytes[index]) << 8 | UInt64(bytes[index + 1])
      index += 2
    }
    if index < bytes.count { total += UInt64(bytes[index]) << 8 }
    return total
  }

  /// Folds carries back in: the 16-bit ones'-complement sum. A header whose stored checksum is
  /// right folds to 0xFFFF.
  public static func fold(_ sum: UInt64) -> UInt16 {
    var total = sum
    while total > 0xFFFF { total = (total & 0xFFFF) + (total >> 16) }
    return UInt16(total)
  }
}

extension UnsafeMutableRawBufferPointer {
  @inline(__always) func storeBigEndian(_ value: UInt16, at offset: Int) {
    self[offset] = UInt8(truncatingIfNeeded: value >> 8)
    self[offset + 1] = UInt8(truncatingIfNeeded: value)
  }
  @inline(__always) func storeBigEndian(_ value: UInt32, at offset: Int) {
    storeBigEndian(UInt16(truncatingIfNeeded: value >> 16), at: offset)
    storeBigEndian(UInt16(truncatingIfNeeded: value), at: offset + 2)
  }
  @inline(__always) func storeBigEndian48(_ value: UInt64, at offset: Int) {
    for index in 0..<6 {
      self[offset + index] = UInt8(truncatingIfNeeded: value >> (40 - 8 * index))
    }
  }
}
