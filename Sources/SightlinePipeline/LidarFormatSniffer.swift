import SightlineVelodyne

/// Guesses which vendor's packets a UDP payload is, from its shape alone, so that a stream of
/// unknown origin can be decoded (Velodyne, and Hesai with its calibration) or the user told
/// what is missing (Ouster needs its metadata JSON). A guess, never a decode: the vendor's
/// stream still checks every packet.
public enum LidarFormatSniffer {
  public enum Guess: String, Sendable, Equatable {
    /// 1206 bytes ending in a known return-mode byte, blocks flagged `FF EE` (or the VLS-128's
    /// banks).
    case velodyne
    /// `EE FF` pre-header (protocol versions 1–6), or the Pandar40P's 1262 / 1266 bytes of
    /// `FF EE` blocks without one.
    case hesai
    /// The Ouster ports (7502 lidar, 7503 IMU); Ouster packets have no magic bytes, so the
    /// metadata JSON decides.
    case ouster
  }

  public static func guess(_ payload: UnsafeRawBufferPointer, destinationPort: UInt16) -> Guess? {
    let bytes = payload
    if bytes.count == VelodynePacketLayout.payloadSize, isVelodyne(bytes) { return .velodyne }
    if bytes.count >= 12, bytes[0] == 0xEE, bytes[1] == 0xFF, (1...6).contains(bytes[2]) {
      return .hesai
    }
    if bytes.count == 1262 || bytes.count == 1266, bytes[0] == 0xFF, bytes[1] == 0xEE {
      return .hesai
    }
    if destinationPort == 7502 || destinationPort == 7503 { return .ouster }
    return nil
  }

  private static func isVelodyne(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard ReturnMode(rawValue: bytes[VelodynePacketLayout.returnModeOffset]) != nil,
      bytes[0] == 0xFF
    else { return false }
    return [0xEE, 0xDD, 0xCC, 0xBB].contains(bytes[1])
  }
}
