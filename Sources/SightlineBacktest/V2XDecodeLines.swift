import SightlinePipeline
import SightlineV2X

/// `sightline v2x decode`: one hex payload per line in (with or without WSMP/1609.2 and other
/// wrappers), one JSON line out — the contract tests and outside checks rely on.
public enum V2XDecodeLines {
  public static func decode(line: Substring) -> String {
    let hex = Array(line.utf8)
    let text = hex.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != 13 }
    guard !text.isEmpty else { return errorLine("empty line") }
    guard let bytes = V2XLogEntry.bytes(hex: String(decoding: text, as: UTF8.self)) else {
      return errorLine("not hex")
    }
    return bytes.withUnsafeBytes { payload in
      switch V2XUnwrap.locateFrame(payload) {
      case .failure(let error):
        return errorLine("no J2735 frame: \(error)")
      case .success(let unwrapped):
        let frame = UnsafeRawBufferPointer(rebasing: payload[unwrapped.frame])
        switch J2735.decodeFrame(frame) {
        case .success(let decoded): return V2XJSON.line(for: decoded)
        case .failure(let error): return V2XJSON.errorLine(error)
        }
      }
    }
  }

  static func errorLine(_ message: String) -> String {
    let escaped = message.replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "\"", with: "\\\"")
    return "{\"error\":\"\(escaped)\"}"
  }
}
