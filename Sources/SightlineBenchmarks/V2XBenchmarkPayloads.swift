// `sightline bench v2x`'s input: hex payloads, one a line, bare or as a V2X log's "hex" key.

import Foundation
import SightlinePipeline

/// The payloads `sightline bench v2x` decodes, read from a file with one hex payload per line,
/// or a .jsonl file (a V2X log) with a "hex" key per line.
public enum V2XBenchmarkPayloads {
  /// Reads `path` (UTF-8) and parses it; throws when the file cannot be read.
  public static func load(path: String) throws -> [[UInt8]] {
    parse(try String(contentsOfFile: path, encoding: .utf8))
  }

  /// The payload of each line that holds one; lines without valid hex are skipped.
  public static func parse(_ text: String) -> [[UInt8]] {
    var payloads = [[UInt8]]()
    for line in text.split(separator: "\n") {
      var hex = String(line)
      if let range = line.range(of: "\"hex\": \""),
        let end = line[range.upperBound...].firstIndex(of: "\"")
      {
        hex = String(line[range.upperBound..<end])
      }
      if let bytes = V2XLogEntry.bytes(hex: hex.trimmingCharacters(in: .whitespaces)) {
        payloads.append(bytes)
      }
    }
    return payloads
  }
}
