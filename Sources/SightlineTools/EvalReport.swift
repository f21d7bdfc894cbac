import Foundation

/// What `sightline eval` leaves behind: the score table, written to the eval folder.
public enum EvalReport {
  /// Writes Eval's table to `folder`/eval.txt and returns the lines to print: the table, then
  /// where the plots are (error-vs-latency.png, time-advantage.png, which Eval.run wrote).
  public static func writeTable(_ scores: Eval.Scores, folder: String) throws -> [String] {
    let table = Eval.table(scores)
    try (table.joined(separator: "\n") + "\n").write(
      toFile: folder + "/eval.txt", atomically: true, encoding: .utf8)
    return table + ["plots: \(folder)/error-vs-latency.png \(folder)/time-advantage.png"]
  }
}
