import Foundation

let bundledCapture = repositoryRoot.appendingPathComponent(
  "Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap"
).path

/// Reads and writes classic little-endian microsecond pcap files, so tests can build damaged
/// captures from the real one.
struct PcapBytes {
  var header: [UInt8]
  var records: [(seconds: UInt32, micros: UInt32, data: [UInt8])]

  init(path: String) throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    header = Array(bytes[0..<24])
    records = []
    var offset = 24
    func u32(_ at: Int) -> UInt32 {
      UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
        | UInt32(bytes[at + 3]) << 24
    }
    while offset + 16 <= bytes.count {
      let length = Int(u32(offset + 8))
      records.append(
        (u32(offset), u32(offset + 4), Array(bytes[(offset + 16)..<(offset + 16 + length)])))
      offset += 16 + length
    }
  }

  func serialized() -> [UInt8] {
    var out = header
    func put(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    for record in records {
      put(record.seconds)
      put(record.micros)
      put(UInt32(record.data.count))
      put(UInt32(record.data.count))
      out += record.data
    }
    return out
  }

  func write(to path: String) throws {
    try Data(serialized()).write(to: URL(fileURLWithPath: path))
  }
}

func temporaryPath(_ name: String) -> String {
  let directory = NSTemporaryDirectory() + "sightline-tests-\(UUID().uuidString)"
  try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  return directory + "/" + name
}

func uniqueEndpoint() -> String {
  "ipc://\(NSTemporaryDirectory())sightline-test-\(UUID().uuidString)"
}
