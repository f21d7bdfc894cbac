// Writes small pcap and pcapng files byte by byte, so the tests control every field libpcap reads.

import Foundation

struct CapturedFrame {
  var timestampNanoseconds: Int64
  var bytes: [UInt8]
  /// Bytes on the wire; more than `bytes.count` for a snap-length-truncated record.
  var originalLength: Int

  init(_ bytes: [UInt8], at timestampNanoseconds: Int64, originalLength: Int? = nil) {
    self.bytes = bytes
    self.timestampNanoseconds = timestampNanoseconds
    self.originalLength = originalLength ?? bytes.count
  }
}

struct LittleEndianWriter {
  var bytes: [UInt8] = []
  mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
  mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
  mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
  mutating func padToFour() {
    while bytes.count % 4 != 0 { bytes.append(0) }
  }
}

/// A classic pcap file with nanosecond timestamps (magic 0xA1B23C4D).
func classicPcap(linkType: UInt32, snapLength: UInt32 = 65535, frames: [CapturedFrame]) -> [UInt8] {
  var out = LittleEndianWriter()
  out.u32(0xA1B2_3C4D)
  out.u16(2)
  out.u16(4)
  out.u32(0)  // thiszone
  out.u32(0)  // sigfigs
  out.u32(snapLength)
  out.u32(linkType)
  for frame in frames {
    out.u32(UInt32(frame.timestampNanoseconds / 1_000_000_000))
    out.u32(UInt32(frame.timestampNanoseconds % 1_000_000_000))
    out.u32(UInt32(frame.bytes.count))
    out.u32(UInt32(frame.originalLength))
    out.bytes += frame.bytes
  }
  return out.bytes
}

/// A pcapng file: a Section Header Block, one Interface Description Block and one Enhanced Packet
/// Block per frame. `nanosecondResolution` adds an if_tsresol option of 9; without it timestamps
/// are in the default microseconds.
func pcapng(
  linkType: UInt16, snapLength: UInt32 = 65535, nanosecondResolution: Bool = true,
  frames: [CapturedFrame]
) -> [UInt8] {
  var out = LittleEndianWriter()
  // Section Header Block: type, length, byte-order magic, version 1.0, section length unknown.
  out.u32(0x0A0D_0D0A)
  out.u32(28)
  out.u32(0x1A2B_3C4D)
  out.u16(1)
  out.u16(0)
  out.u64(UInt64.max)
  out.u32(28)

  // Interface Description Block, with if_tsresol (code 9) and opt_endofopt when asked.
  let idbLength: UInt32 = nanosecondResolution ? 32 : 20
  out.u32(0x0000_0001)
  out.u32(idbLength)
  out.u16(linkType)
  out.u16(0)
  out.u32(snapLength)
  if nanosecondResolution {
    out.u16(9)
    out.u16(1)
    out.bytes += [9, 0, 0, 0]
    out.u16(0)
    out.u16(0)
  }
  out.u32(idbLength)

  for frame in frames {
    let padded = (frame.bytes.count + 3) / 4 * 4
    let blockLength = UInt32(32 + padded)
    let ticks = UInt64(
      nanosecondResolution ? frame.timestampNanoseconds : frame.timestampNanoseconds / 1000)
    out.u32(0x0000_0006)
    out.u32(blockLength)
    out.u32(0)  // interface 0
    out.u32(UInt32(ticks >> 32))
    out.u32(UInt32(ticks & 0xFFFF_FFFF))
    out.u32(UInt32(frame.bytes.count))
    out.u32(UInt32(frame.originalLength))
    out.bytes += frame.bytes
    out.padToFour()
    out.u32(blockLength)
  }
  return out.bytes
}

func writeTemporaryCapture(_ bytes: [UInt8], named name: String) throws -> String {
  let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("sightline-pcap-tests-\(getpid())")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  let url = directory.appendingPathComponent(name)
  try Data(bytes).write(to: url)
  return url.path
}

/// The bundled VLP-16 capture: Tests/SightlinePcapTests/File.swift → up three levels is the repo.
let bundledCapture = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap").path
