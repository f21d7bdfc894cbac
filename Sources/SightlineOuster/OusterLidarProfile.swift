/// The lidar UDP profiles (`udp_profile_lidar`) Sightline decodes: each fixes the packet's
/// header, its column header and the bytes of one pixel. Offsets and masks are ouster-sdk
/// 1.0.1's (`PacketFormat.field_value_mask`, checked byte by byte against packets it wrote).
public enum OusterLidarProfile: String, Sendable, CaseIterable, CustomStringConvertible {
  /// Before firmware 2.2 (the default when the metadata predates `udp_profile_lidar`): no
  /// packet header or footer, a 16-byte column header with frame id and encoder count, 12-byte
  /// pixels with a 20-bit range, a 32-bit status word after each column.
  case legacy = "LEGACY"
  /// 19-bit range, 8-bit reflectivity, 16-bit signal and near-IR: one return per pixel.
  case single = "RNG19_RFL8_SIG16_NIR16"
  /// The same with a second return (strongest, then second strongest).
  case dual = "RNG19_RFL8_SIG16_NIR16_DUAL"
  /// Low bandwidth: 15-bit range in 8 mm units, 8-bit reflectivity and near-IR.
  case lowBandwidth = "RNG15_RFL8_NIR8"
  /// Functional safety: its own packet header (8-bit type, 32-bit frame id), two returns of
  /// 15-bit range in 8 mm units, no signal, no CRC in the footer.
  case fusaDual = "FUSA_RNG15_RFL8_NIR8_DUAL"

  public var description: String { rawValue }

  public var returnsPerPixel: Int { self == .dual || self == .fusaDual ? 2 : 1 }

  public var isLegacy: Bool { self == .legacy }

  /// The FUSA packet header: type in byte 0, init id in 1–3, a 32-bit frame id at 4.
  public var hasFuSaHeader: Bool { self == .fusaDual }

  /// Whether the footer's last 8 bytes hold a CRC-64 of the packet (ouster-sdk's
  /// `PacketFormat.crc` is empty for LEGACY and FUSA).
  public var hasCRC: Bool { self == .single || self == .dual || self == .lowBandwidth }

  /// Bytes of one pixel (one beam of one column).
  public var pixelSize: Int {
    switch self {
    case .legacy, .single: 12
    case .dual: 16
    case .lowBandwidth: 4
    case .fusaDual: 8
    }
  }

  /// Where a return's range and reflectivity sit in the pixel, and how to read them.
  public struct ReturnField: Sendable, Equatable {
    /// Byte offset of the little-endian word the range is masked from.
    public var rangeOffset: Int
    public var rangeMask: UInt32
    /// Left shift from the raw value to millimetres (3 for the 8 mm units of 15-bit ranges).
    public var rangeShift: UInt32
    public var reflectivityOffset: Int
  }

  /// The returns of one pixel, first (strongest) then second.
  public var returnFields: [ReturnField] {
    switch self {
    case .legacy:
      [ReturnField(rangeOffset: 0, rangeMask: 0xF_FFFF, rangeShift: 0, reflectivityOffset: 4)]
    case .single:
      [ReturnField(rangeOffset: 0, rangeMask: 0x7_FFFF, rangeShift: 0, reflectivityOffset: 4)]
    case .dual:
      [
        ReturnField(rangeOffset: 0, rangeMask: 0x7_FFFF, rangeShift: 0, reflectivityOffset: 3),
        ReturnField(rangeOffset: 4, rangeMask: 0x7_FFFF, rangeShift: 0, reflectivityOffset: 7),
      ]
    case .lowBandwidth:
      [ReturnField(rangeOffset: 0, rangeMask: 0x7FFF, rangeShift: 3, reflectivityOffset: 2)]
    case .fusaDual:
      [
        ReturnField(rangeOffset: 0, rangeMask: 0x7FFF, rangeShift: 3, reflectivityOffset: 2),
        ReturnField(rangeOffset: 4, rangeMask: 0x7FFF, rangeShift: 3, reflectivityOffset: 6),
      ]
    }
  }

  /// How the description names the return mode.
  public var returnMode: String {
    returnsPerPixel == 2 ? "dual (strongest+second strongest)" : "strongest"
  }
}
