import Foundation

/// Reads and writes the V2X recording format (docs/V2X-LOG.md), one `V2XLogEntry` a line.
public enum V2XLog {
  /// Reads a whole log, sorted by receive time (stable: equal times keep file order).
  public static func read(path: String) throws -> [V2XLogEntry] {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw V2XLogError(path: path, line: 0, problem: "cannot read: \(error.localizedDescription)")
    }
    let decoder = JSONDecoder()
    var entries = [V2XLogEntry]()
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      do {
        let entry = try decoder.decode(V2XLogEntry.self, from: Data(trimmed.utf8))
        guard entry.payload != nil else {
          throw V2XLogError(path: path, line: index + 1, problem: "payload_hex is not hex")
        }
        entries.append(entry)
      } catch let error as V2XLogError {
        throw error
      } catch {
        throw V2XLogError(path: path, line: index + 1, problem: "not a log entry: \(error)")
      }
    }
    return entries.enumerated().sorted { a, b in
      a.element.t_ns != b.element.t_ns ? a.element.t_ns < b.element.t_ns : a.offset < b.offset
    }.map(\.element)
  }

  public static func line(_ entry: V2XLogEntry) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: (try? encoder.encode(entry)) ?? Data(), as: UTF8.self)
  }
}
