// FuzzConfig: the TOML configuration (SightlineConfig.parse: SightlineTOML's reader, then the
// strict section/key/value/consistency checks) and the drive manifest (Drive.load: the same TOML, its
// own keys, `[config.*]` overrides, referenced files, and the LiDAR/V2X time overlap check).
//
// Input: the text of a TOML file (a Config/*.toml or a Replay/*/drive.toml). Bytes that are not
// UTF-8 stop where the real loaders stop (String(contentsOfFile:encoding:.utf8) fails), after
// TOMLReader.parse(bytes:) has refused them. Text
// that mentions "pcap" (every manifest names its capture) goes to Drive.load, the rest to
// SightlineConfig.parse: one TOML parse per input instead of two (a manifest's [config.*]
// overrides still go through the config's setters).
// Drive.load reads a folder, so the text is written to drive.toml in a tmpfs folder that also
// holds small stand-ins for every file the project's drives name (a 2-record capture and a
// 2-entry V2X log that overlap in time); the folder is removed at exit.

import CFuzzer
import Foundation
import SightlinePipeline
import SightlineReplay
import SightlineTOML

#if canImport(Glibc)
  import Glibc
#endif

/// SwiftPM links `main` to `FuzzConfig_main`; libFuzzer's driver takes it from there.
@_cdecl("FuzzConfig_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt
{
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzConfig)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  let bytes = UnsafeBufferPointer(start: data, count: size)
  guard let text = String(validating: bytes, as: UTF8.self) else {
    precondition((try? TOMLReader.parse(bytes: bytes)) == nil, "non-UTF-8 bytes were read")
    return 0
  }

  if !text.contains("pcap") {
    do {
      check(try SightlineConfig.parse(text, file: "fuzz.toml"))
    } catch {
      _ = error.description
    }
    return 0
  }
  Fixture.write(bytes)
  do {
    let drive = try Drive.load(folder: Fixture.drive)
    check(drive.config)
    _ = drive.replayOptions()
  } catch {
    _ = error.description
  }
  return 0
}

/// What LidarIngest(config:) derives from a loaded config (without reading calibration files), and
/// the rules the loader promises.
func check(_ config: SightlineConfig) {
  _ = Int((config.lidar.cutAngleDegrees * 100).rounded())
  _ = (Float(config.lidar.minRangeMeters), Float(config.lidar.maxRangeMeters))
  precondition(config.lidar.minRangeMeters < config.lidar.maxRangeMeters)
  precondition(config.grid.obstacleMinZ < config.grid.obstacleMaxZ)
  for source in config.v2x.sources { precondition(!source.topics.isEmpty) }
  // A rig's promises: names and ports once each, an enabled frame sensor, finite mounts.
  let rig = config.lidar.rig
  precondition(!rig.isEmpty && rig[config.lidar.frameSensorIndex].enabled)
  precondition(Set(rig.map(\.name)).count == rig.count)
  let ports = rig.flatMap { [$0.port, $0.positionPort].compactMap { $0 } }
  precondition(Set(ports).count == ports.count)
  for sensor in rig {
    let m = sensor.mount
    precondition(
      [m.x, m.y, m.z, m.rollDegrees, m.pitchDegrees, m.yawDegrees].allSatisfy(\.isFinite))
  }
  // The streams the sensors describe: a missing or wrong file is a ConfigError, never a crash.
  do {
    _ = try LidarRig(config: config)
  } catch {
    _ = "\(error)"
  }
}

enum Fixture {
  static let root = "/dev/shm/sightline-fuzz-config-\(getpid())"
  static let drive = root + "/drive"
  static let manifest = drive + "/drive.toml"

  /// Writes `bytes` as the manifest (creating the fixture folder on first use).
  static func write(_ bytes: UnsafeBufferPointer<UInt8>) {
    _ = ready
    let fd = open(manifest, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot write \(manifest)")
    if let base = bytes.baseAddress, bytes.count > 0 {
      precondition(Glibc.write(fd, base, bytes.count) == bytes.count)
    }
    close(fd)
  }

  /// The capture's two records and the log's two entries, a second apart, in the same second.
  static let startSeconds: UInt32 = 1_772_446_500

  nonisolated(unsafe) static let ready: Bool = {
    let files = FileManager.default
    try? files.removeItem(atPath: root)
    for folder in [drive, root + "/blind-intersection"] {
      try! files.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    let capture = Data(pcap())
    // The names the project's drives and configs use, and a plain one.
    for name in [
      "drive/lidar.pcap", "drive/blind-intersection.pcap", "drive/highway.pcap",
      "drive/hdl32e-strongest-gps.pcap", "drive/vlp16-strongest-gps.pcap", "drive/rig.pcap",
      "drive/two-velodynes.pcap", "drive/urban.pcap",
      "blind-intersection/blind-intersection.pcap",
    ] {
      files.createFile(atPath: root + "/" + name, contents: capture)
    }
    var log = ""
    for (index, fraction) in ["200000000", "700000000"].enumerated() {
      log +=
        "{\"format\":\"uper\",\"payload_hex\":\"0014\",\"source\":\"obu-\(index)\","
        + "\"t_ns\":\(startSeconds)\(fraction),\"topic\":\"\"}\n"
    }
    for name in ["v2x.jsonl", "v2x-real-bsm.jsonl"] {
      files.createFile(atPath: drive + "/" + name, contents: Data(log.utf8))
    }
    files.createFile(atPath: drive + "/truth.jsonl", contents: Data("{}\n".utf8))
    atexit { try? FileManager.default.removeItem(atPath: Fixture.root) }
    return true
  }()

  /// A classic little-endian pcap: Ethernet, two 60-byte UDP frames at start and start + 1 s.
  static func pcap() -> [UInt8] {
    var out: [UInt8] = []
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    u32(0xA1B2_C3D4)
    u16(2)
    u16(4)
    u32(0)
    u32(0)
    u32(65535)
    u32(1)
    for second in [startSeconds, startSeconds + 1] {
      u32(second)
      u32(0)
      u32(60)
      u32(60)
      var frame = [UInt8](repeating: 0, count: 60)
      frame[12] = 0x08  // IPv4
      frame[14] = 0x45
      frame[23] = 17  // UDP
      out += frame
    }
    return out
  }
}
