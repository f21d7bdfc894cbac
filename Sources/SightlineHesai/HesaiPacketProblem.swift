/// Why a payload gave no points: each is a stable reason name in `HesaiStream.drops`.
public enum HesaiPacketProblem: Int, Error, CaseIterable, Sendable, CustomStringConvertible {
  /// Arrived on another port than the stream's.
  case otherPort
  /// Starts with neither `EE FF` (start of packet) nor `FF EE` (the 40P's start of block).
  case unknownFormat
  /// `EE FF`, but a protocol version, laser_num or block_num of no supported model.
  case unknownProtocol
  /// Shorter than its format's smallest packet (or than a header).
  case truncated
  /// Longer than its format's packet, or between its sizes.
  case wrongSize
  /// A Pandar40P block that does not start with `FF EE`.
  case blockMarker
  /// The tail's return mode is unknown, or has more returns than the model sends.
  case returnMode
  /// A block azimuth of 360° or more.
  case azimuth
  /// The header's distance unit is 0 mm.
  case distanceUnit
  /// A CRC of the blocks, the functional-safety block or the tail does not match (QT128).
  case crc
  /// A packet of another model than the calibration's.
  case modelMismatch
  /// A UDP sequence number already seen, or just behind the last one: a duplicate or a late
  /// packet, which would turn the scan back.
  case outOfOrder

  /// The name in `drops`.
  public var description: String {
    switch self {
    case .otherPort: "hesai.other_port"
    case .unknownFormat: "hesai.unknown_format"
    case .unknownProtocol: "hesai.unknown_protocol"
    case .truncated: "hesai.truncated"
    case .wrongSize: "hesai.wrong_size"
    case .blockMarker: "hesai.block_marker"
    case .returnMode: "hesai.return_mode"
    case .azimuth: "hesai.azimuth"
    case .distanceUnit: "hesai.distance_unit"
    case .crc: "hesai.crc"
    case .modelMismatch: "hesai.model_mismatch"
    case .outOfOrder: "hesai.out_of_order"
    }
  }
}
