/// The byte layout of one lidar packet, as ouster-sdk's `PacketFormat` computes it from the
/// profile, the pixels per column and the columns per packet. All fields are little-endian.
///
/// Non-legacy packets: a 32-byte header, `columnsPerPacket` columns of a 12-byte column header
/// (timestamp u64, measurement id u16, status u16) and the pixels, then a 32-byte footer whose
/// last 8 bytes are the CRC-64 where the profile has one. Legacy packets: no header or footer;
/// a 16-byte column header (timestamp, measurement id, frame id u16, encoder count u32), the
/// pixels, then a 32-bit status word (all ones when valid).
public struct OusterPacketFormat: Sendable, Equatable {
  public let profile: OusterLidarProfile
  public let pixelsPerColumn: Int
  public let columnsPerPacket: Int
  public let packetHeaderSize: Int
  public let columnHeaderSize: Int
  public let columnFooterSize: Int
  public let packetFooterSize: Int
  public let pixelSize: Int
  public let columnSize: Int
  public let lidarPacketSize: Int
  /// Offset of the column status inside a column.
  public let statusOffset: Int

  /// Every IMU packet (the LEGACY IMU profile) is 48 bytes.
  public static let imuPacketSize = 48
  /// Ouster's packet type for lidar data.
  public static let lidarPacketType = 1
  /// ouster-sdk refuses formats whose packet would not fit in a UDP datagram.
  public static let maximumPacketSize = 65535

  public init(profile: OusterLidarProfile, pixelsPerColumn: Int, columnsPerPacket: Int) {
    self.profile = profile
    self.pixelsPerColumn = pixelsPerColumn
    self.columnsPerPacket = columnsPerPacket
    let legacy = profile.isLegacy
    packetHeaderSize = legacy ? 0 : 32
    columnHeaderSize = legacy ? 16 : 12
    columnFooterSize = legacy ? 4 : 0
    packetFooterSize = legacy ? 0 : 32
    pixelSize = profile.pixelSize
    columnSize = columnHeaderSize + pixelsPerColumn * pixelSize + columnFooterSize
    lidarPacketSize = packetHeaderSize + columnsPerPacket * columnSize + packetFooterSize
    statusOffset = legacy ? columnSize - columnFooterSize : 10
  }

  public init(_ metadata: OusterMetadata) {
    self.init(
      profile: metadata.lidarProfile, pixelsPerColumn: metadata.pixelsPerColumn,
      columnsPerPacket: metadata.columnsPerPacket)
  }

  /// The profile whose packets have this size for the same pixels and columns, other than this
  /// one: how a packet of the wrong profile for the metadata is told from a damaged one.
  public func otherProfile(withPacketSize size: Int) -> OusterLidarProfile? {
    OusterLidarProfile.allCases.first { other in
      other != profile
        && OusterPacketFormat(
          profile: other, pixelsPerColumn: pixelsPerColumn, columnsPerPacket: columnsPerPacket
        ).lidarPacketSize == size
    }
  }

  /// Offset of column `index` (0..<columnsPerPacket) in the packet.
  @inline(__always) public func columnOffset(_ index: Int) -> Int {
    packetHeaderSize + index * columnSize
  }
}

// MARK: - Packet header

extension OusterPacketFormat {
  /// The packet header's fields (zero where the profile has none: LEGACY has no header).
  public struct Header: Sendable, Equatable {
    public var packetType = 0
    /// 16 bits in the standard header, 32 in FUSA; LEGACY's comes from the first column.
    public var frameID: UInt32 = 0
    /// 24 bits: changes on every sensor restart.
    public var initID: UInt32 = 0
    /// 40 bits: the sensor's serial number.
    public var serialNumber: UInt64 = 0
    public var alertFlags: UInt8 = 0
    public var countdownThermalShutdown: UInt8 = 0
    public var countdownShotLimiting: UInt8 = 0
    /// Low nibbles: 0 normal, 1 imminent.
    public var thermalShutdown: UInt8 = 0
    public var shotLimiting: UInt8 = 0
  }

  /// Reads the header of a packet at least `lidarPacketSize` long.
  public func header(_ packet: UnsafeRawBufferPointer) -> Header {
    precondition(packet.count >= lidarPacketSize)
    var header = Header()
    if profile.isLegacy {
      header.frameID = UInt32(packet.u16(columnOffset(0) + 10))
      return header
    }
    if profile.hasFuSaHeader {
      header.packetType = Int(packet[0])
      header.initID = packet.u32(0) >> 8
      header.frameID = packet.u32(4)
      header.alertFlags = packet[8]
      header.serialNumber = packet.u64(11) & 0xFF_FFFF_FFFF
    } else {
      header.packetType = Int(packet.u16(0))
      header.frameID = UInt32(packet.u16(2))
      header.initID = packet.u32(4) & 0xFF_FFFF
      header.serialNumber = packet.u64(7) & 0xFF_FFFF_FFFF
      header.alertFlags = packet[12]
    }
    header.countdownThermalShutdown = packet[16]
    header.countdownShotLimiting = packet[17]
    header.thermalShutdown = packet[18] & 0x0F
    header.shotLimiting = packet[19] & 0x0F
    return header
  }

  /// The CRC-64 the footer carries, or nil when the profile has none.
  public func storedCRC(_ packet: UnsafeRawBufferPointer) -> UInt64? {
    guard profile.hasCRC, packet.count >= lidarPacketSize else { return nil }
    return packet.u64(lidarPacketSize - 8)
  }
}

// MARK: - Columns

extension OusterPacketFormat {
  @inline(__always) public func columnTimestamp(_ packet: UnsafeRawBufferPointer, column: Int)
    -> UInt64
  {
    packet.u64(columnOffset(column))
  }

  @inline(__always) public func measurementID(_ packet: UnsafeRawBufferPointer, column: Int)
    -> Int
  {
    Int(packet.u16(columnOffset(column) + 8))
  }

  /// The column status: 16 bits in the standard profiles, the 32-bit word in LEGACY. Bit 0 is
  /// "valid".
  @inline(__always) public func columnStatus(_ packet: UnsafeRawBufferPointer, column: Int)
    -> UInt32
  {
    let at = columnOffset(column) + statusOffset
    return profile.isLegacy ? packet.u32(at) : UInt32(packet.u16(at))
  }

  /// LEGACY's encoder count (90112 per turn); 0 in the other profiles, which have none.
  public func encoderCount(_ packet: UnsafeRawBufferPointer, column: Int) -> UInt32 {
    profile.isLegacy ? packet.u32(columnOffset(column) + 12) : 0
  }

  /// Offset of pixel `row` of column `column`.
  @inline(__always) public func pixelOffset(column: Int, row: Int) -> Int {
    columnOffset(column) + columnHeaderSize + row * pixelSize
  }
}

extension UnsafeRawBufferPointer {
  @inline(__always) func u16(_ at: Int) -> UInt16 {
    UInt16(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt16.self))
  }
  @inline(__always) func u32(_ at: Int) -> UInt32 {
    UInt32(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt32.self))
  }
  @inline(__always) func u64(_ at: Int) -> UInt64 {
    UInt64(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt64.self))
  }
}
