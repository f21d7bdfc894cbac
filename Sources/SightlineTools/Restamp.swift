import SightlineLidar
import SightlineV2X
import SightlineVelodyne

/// Moves a drive's own clocks by a fixed shift, so that a drive recorded long ago plays into a
/// live runtime as if it happened now: the LiDAR's microseconds past the hour, the GPRMC time,
/// and J2735 `secMark` (milliseconds in the minute) all move together. Shifting every clock by
/// the same amount keeps their relations (latencies, the sensor-to-host offset) exact.
public struct Restamp: Sendable {
  public let shiftNanoseconds: Int64
  private var position = PositionPacketWriter()
  public private(set) var v2xRestamped = 0
  public private(set) var v2xUnchanged = 0

  public init(shiftNanoseconds: Int64) { self.shiftNanoseconds = shiftNanoseconds }

  static let hourMicroseconds: Int64 = 3_600_000_000

  func pastHour(_ microseconds: UInt32) -> UInt32 {
    let moved = (Int64(microseconds) + shiftNanoseconds / 1000) % Self.hourMicroseconds
    return UInt32(moved < 0 ? moved + Self.hourMicroseconds : moved)
  }

  /// A data packet with its timestamp (bytes 1200–1203) moved; one past the hour (which the
  /// decoder rejects) stays as it was rather than becoming a valid time.
  public func dataPacket(_ payload: UnsafeRawBufferPointer, into out: inout [UInt8]) {
    out.removeAll(keepingCapacity: true)
    out.append(contentsOf: payload)
    guard out.count == VelodynePacketLayout.payloadSize else { return }
    let at = 1200
    let old =
      UInt32(out[at]) | UInt32(out[at + 1]) << 8 | UInt32(out[at + 2]) << 16
      | UInt32(out[at + 3]) << 24
    guard Int64(old) < Self.hourMicroseconds else { return }
    let new = pastHour(old)
    for index in 0..<4 { out[at + index] = UInt8(truncatingIfNeeded: new >> (8 * index)) }
  }

  /// A position packet with its timestamp and GPRMC moved (rewritten with a fresh checksum);
  /// nil when it does not parse (sent unchanged).
  public mutating func positionPacket(_ payload: UnsafeRawBufferPointer) -> [UInt8]? {
    guard case .success(let packet) = PositionPacket.parse(payload) else { return nil }
    var fix = packet.fix
    fix?.utcNanoseconds += shiftNanoseconds
    return position.write(
      microsecondsPastHour: pastHour(packet.microsecondsPastHour), ppsStatus: packet.ppsStatus,
      fix: fix)
  }

  /// A UPER BSM or PSM with its secMark moved (Part II and regional content carried over as
  /// they were); anything else, or a secMark of 65535 (unavailable), unchanged.
  public mutating func v2xPayload(_ payload: [UInt8]) -> [UInt8] {
    let result: [UInt8]? = payload.withUnsafeBytes { bytes in
      guard case .success(let frame) = J2735.decodeFrame(bytes) else { return nil }
      let shiftMilliseconds = Int(((shiftNanoseconds / 1_000_000) % 60_000 + 60_000) % 60_000)
      func moved(_ secMark: UInt16) -> UInt16? {
        secMark >= 60_000 ? nil : UInt16((Int(secMark) + shiftMilliseconds) % 60_000)
      }
      switch frame.body {
      case .bsm(var bsm):
        guard let secMark = moved(bsm.coreData.secMark),
          let parts = try? BSMCarriedParts(frame: bytes)
        else { return nil }
        bsm.coreData.secMark = secMark
        return try? J2735.encodeFrame(bsm, carrying: parts)
      case .psm(var psm):
        guard let secMark = moved(psm.secMark) else { return nil }
        psm.secMark = secMark
        return try? J2735.encodeFrame(psm)
      case .other:
        return nil
      }
    }
    if let result {
      v2xRestamped += 1
      return result
    }
    v2xUnchanged += 1
    return payload
  }
}
