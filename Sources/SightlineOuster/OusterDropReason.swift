/// Why an Ouster payload was not turned into points: the stable names of `OusterStream.drops`.
/// The decoder's `inspect` finds the first eight (a packet's own faults); the stream adds the
/// last three (where and when it arrived).
public enum OusterDropReason: String, Sendable, Equatable, CaseIterable {
  /// An IMU packet (48 bytes, or on the IMU port): counted, not decoded into points.
  case imuPacket = "ouster.imu"
  /// Shorter than the metadata's lidar packet.
  case truncated = "ouster.truncated"
  /// The size of another profile's packet for the same beams and columns: the metadata does
  /// not describe this sensor's current configuration.
  case profileMismatch = "ouster.profile_mismatch"
  /// Longer than the metadata's lidar packet, and no profile's size.
  case packetSize = "ouster.packet_size"
  /// A packet type other than lidar (1).
  case packetType = "ouster.packet_type"
  /// The packet's init id is not the metadata's: the sensor restarted, or it is another one.
  case initID = "ouster.init_id"
  /// The packet's serial number is not the metadata's.
  case serialNumber = "ouster.serial"
  /// The footer's CRC-64 does not match the packet.
  case crc = "ouster.crc"
  /// Neither the lidar nor the IMU port.
  case otherPort = "ouster.port"
  /// A packet of the frame already handed on (reordered, or after the frame was complete).
  case late = "ouster.late"
  /// A second packet with the same columns in one frame.
  case duplicate = "ouster.duplicate"

  public var reason: String { rawValue }
}
