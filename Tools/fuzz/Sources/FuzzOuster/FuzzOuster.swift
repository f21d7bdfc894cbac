// FuzzOuster: Ouster metadata JSON (OusterMetadata) and lidar packets of every profile through
// OusterStream (OusterDecoder.inspect and decode, the CRC-64, the frame tracker, sweeps, drops).
//
// Input: a 4-byte control header, then one payload.
//   0     low 3 bits: the profile (OusterLidarProfile.allCases; 5...7: the payload is metadata
//         JSON, parsed and, when small, used to decode one zeroed packet)
//         bit 3: column window 256...767 instead of the whole frame
//   1     low 3 bits: beams (8, 16, 32, 64, 128, then 32), bits 3-7: the frame id's step per
//         replayed packet
//   2     low 3 bits: the payload is replayed 1...8 times, each the next columns
//         bit 3: cut or zero-pad the payload to the profile's packet size
//         bit 4: write the lidar packet type, the metadata's init id and serial into its header
//         bit 5: recompute its CRC-64 after the changes
//         bit 6: send it to the IMU port; bit 7: to another port
//   3     low 4 bits: the lidar mode (512x10, 1024x10, 2048x10, 1024x20; the rest 1024x10)
//   4...  the payload (a lidar packet, up to 16640 bytes for 128 beams of FUSA dual)
// Every payload must be decoded or counted under a drop reason; points must be finite with a
// ring below the beams and an azimuth below 36000.

import CFuzzer
import SightlineLidar
import SightlineOuster

/// Decoders take tables sized by the mode to build: one per configuration, built once.
nonisolated(unsafe) var decoders: [Int: OusterDecoder] = [:]

let beamChoices = [8, 16, 32, 64, 128, 32, 32, 32]
// Up to 2048 columns: the tables of every configuration stay well under the 2 GB RSS limit.
let modeChoices = [(512, 10), (1024, 10), (2048, 10), (1024, 20)]
let serial: UInt64 = 992_137_000_142
let initID: UInt32 = 9_599_938

/// A flat-form metadata file for the control bytes' profile, beams, mode and window.
func metadataJSON(profile: OusterLidarProfile, beams: Int, mode: (Int, Int), window: Bool)
  -> String
{
  let altitudes = (0..<beams).map { "\(45.0 - 90.0 * Double($0) / Double(beams))" }
  let azimuths = (0..<beams).map { "\(-3.0 + Double($0 % 4) * 1.5)" }
  let last = mode.0 - 1
  let columnWindow = window ? "[\(mode.0 / 4), \(3 * mode.0 / 4 - 1)]" : "[0, \(last)]"
  return """
    {"prod_line": "OS-FUZZ-\(beams)", "prod_sn": "\(serial)", "initialization_id": \(initID),
     "lidar_mode": "\(mode.0)x\(mode.1)", "lidar_origin_to_beam_origin_mm": 15.806,
     "beam_altitude_angles": [\(altitudes.joined(separator: ","))],
     "beam_azimuth_angles": [\(azimuths.joined(separator: ","))],
     "lidar_to_sensor_transform": [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 36.18, 0, 0, 0, 1],
     "udp_port_lidar": 7502, "udp_port_imu": 7503,
     "data_format": {"columns_per_frame": \(mode.0), "columns_per_packet": 16,
       "pixels_per_column": \(beams), "column_window": \(columnWindow),
       "udp_profile_lidar": "\(profile.rawValue)"}}
    """
}

func decoder(_ control: UnsafeRawBufferPointer) -> OusterDecoder {
  let profileIndex = Int(control[0] & 7)
  let window = control[0] & 8 != 0
  let beams = beamChoices[Int(control[1] & 7)]
  let modeIndex = Int(control[3] & 15) < modeChoices.count ? Int(control[3] & 15) : 1
  let key = profileIndex << 16 | (window ? 1 << 15 : 0) | beams << 4 | modeIndex
  if let cached = decoders[key] { return cached }
  let profile = OusterLidarProfile.allCases[profileIndex]
  let json = metadataJSON(
    profile: profile, beams: beams, mode: modeChoices[modeIndex], window: window)
  let built = OusterDecoder(metadata: try! OusterMetadata(json: Array(json.utf8)))
  decoders[key] = built
  return built
}

/// SwiftPM links `main` to `FuzzOuster_main`; libFuzzer's driver takes it from there.
@_cdecl("FuzzOuster_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt
{
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzOuster)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOuster(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data, size >= 4 else { return 0 }
  let control = UnsafeRawBufferPointer(start: data, count: 4)
  let payload = UnsafeRawBufferPointer(start: data + 4, count: size - 4)
  if control[0] & 7 >= 5 {
    parseMetadata(payload)
    return 0
  }
  let decoder = decoder(control)
  let metadata = decoder.metadata
  var stream = OusterStream(decoder: decoder, pointCapacity: 0)
  let replays = Int(control[2] & 7) + 1
  var packet = prepare(payload, control: control, format: OusterPacketFormat(metadata))
  let port: UInt16 =
    control[2] & 0x80 != 0 ? 2368 : (control[2] & 0x40 != 0 ? stream.imuPort : stream.lidarPort)
  var sweeps = 0
  for replay in 0..<replays {
    if replay > 0 {
      advance(&packet, metadata: metadata, frameStep: Int(control[1] >> 3), control: control)
    }
    packet.withUnsafeBytes { bytes in
      stream.ingest(payload: bytes, destinationPort: port, captureTimeNanoseconds: 0) { sweep, _ in
        check(sweep, metadata)
        sweeps += 1
      }
    }
  }
  stream.flush { sweep, _ in
    check(sweep, metadata)
    sweeps += 1
  }
  let dropped = stream.drops.map(\.count).reduce(0, +)
  precondition(stream.counters.lidarPackets + dropped == replays, "a payload went uncounted")
  precondition(sweeps == stream.counters.sweeps)
  return 0
}

/// The payload as the control bytes want it: sized, stamped with the metadata's ids, CRC'd.
func prepare(
  _ payload: UnsafeRawBufferPointer, control: UnsafeRawBufferPointer, format: OusterPacketFormat
) -> [UInt8] {
  var packet = Array(payload)
  if control[2] & 8 != 0 {
    packet = Array(packet.prefix(format.lidarPacketSize))
    packet += [UInt8](repeating: 0, count: format.lidarPacketSize - packet.count)
  }
  guard packet.count == format.lidarPacketSize else { return packet }
  if control[2] & 16 != 0 { stampHeader(&packet, format: format) }
  if control[2] & 32 != 0 { writeCRC(&packet, format: format) }
  return packet
}

func stampHeader(_ packet: inout [UInt8], format: OusterPacketFormat) {
  guard !format.profile.isLegacy else { return }
  func put(_ value: UInt64, at offset: Int, bytes: Int) {
    for index in 0..<bytes {
      packet[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
    }
  }
  if format.profile.hasFuSaHeader {
    put(1, at: 0, bytes: 1)
    put(UInt64(initID), at: 1, bytes: 3)
    put(serial, at: 11, bytes: 5)
  } else {
    put(1, at: 0, bytes: 2)
    put(UInt64(initID), at: 4, bytes: 3)
    put(serial, at: 7, bytes: 5)
  }
}

func writeCRC(_ packet: inout [UInt8], format: OusterPacketFormat) {
  guard format.profile.hasCRC else { return }
  let crc = packet.withUnsafeBytes { OusterCRC64.packetChecksum($0) }
  for index in 0..<8 {
    packet[packet.count - 8 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index))
  }
}

/// The next packet: its columns' measurement ids one packet on, its frame id `frameStep` on.
func advance(
  _ packet: inout [UInt8], metadata: OusterMetadata, frameStep: Int,
  control: UnsafeRawBufferPointer
) {
  let format = OusterPacketFormat(metadata)
  guard packet.count == format.lidarPacketSize else { return }
  for column in 0..<format.columnsPerPacket {
    let at = format.columnOffset(column) + 8
    let id = (Int(packet[at]) | Int(packet[at + 1]) << 8) + format.columnsPerPacket
    let wrapped = id % metadata.columnsPerFrame
    packet[at] = UInt8(truncatingIfNeeded: wrapped)
    packet[at + 1] = UInt8(truncatingIfNeeded: wrapped >> 8)
  }
  let frameAt =
    format.profile.isLegacy ? format.columnOffset(0) + 10 : (format.profile.hasFuSaHeader ? 4 : 2)
  let frame = (Int(packet[frameAt]) | Int(packet[frameAt + 1]) << 8) + frameStep
  packet[frameAt] = UInt8(truncatingIfNeeded: frame)
  packet[frameAt + 1] = UInt8(truncatingIfNeeded: frame >> 8)
  if control[2] & 32 != 0 { writeCRC(&packet, format: format) }
}

func check(_ sweep: Sweep, _ metadata: OusterMetadata) {
  precondition(sweep.packetsMissing >= 0 && sweep.coverageCentidegrees <= 36000)
  precondition(sweep.points.count <= sweep.packetCount * 16 * metadata.pixelsPerColumn * 2)
  for point in sweep.points {
    precondition(point.x.isFinite && point.y.isFinite && point.z.isFinite && point.distance > 0)
    precondition(point.azimuthCentidegrees < 36000 && Int(point.ring) < metadata.pixelsPerColumn)
    precondition(point.returnType == 1 || point.returnType == 2)
  }
}

/// Metadata JSON from the fuzzer: parsed, and when its tables are small, used once.
func parseMetadata(_ payload: UnsafeRawBufferPointer) {
  guard let metadata = try? OusterMetadata(json: Array(payload)) else { return }
  precondition(metadata.pixelsPerColumn == metadata.beamAltitudeAngles.count)
  guard metadata.returnsPerFrame <= 1 << 20 else { return }
  var stream = OusterStream(decoder: OusterDecoder(metadata: metadata), pointCapacity: 0)
  let packet = [UInt8](repeating: 0, count: OusterPacketFormat(metadata).lidarPacketSize)
  packet.withUnsafeBytes { bytes in
    stream.ingest(payload: bytes, destinationPort: stream.lidarPort, captureTimeNanoseconds: 0) { _, _ in }
  }
  _ = stream.drops
}
