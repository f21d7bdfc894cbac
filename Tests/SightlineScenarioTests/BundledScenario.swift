import Foundation
import SightlineScenario

/// The bundled scenario files (Replay/<name>/scenario.toml), read as the generator reads them.
enum BundledScenario {
  static let replay = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Replay")

  static var names: [String] {
    let folders = (try? FileManager.default.contentsOfDirectory(atPath: replay.path)) ?? []
    return folders.filter {
      FileManager.default.fileExists(
        atPath: replay.appendingPathComponent("\($0)/scenario.toml").path)
    }.sorted()
  }

  static func load(_ name: String) throws -> Scenario {
    let folder = replay.appendingPathComponent(name)
    let path = folder.appendingPathComponent("scenario.toml").path
    return try ScenarioFile.parse(String(contentsOfFile: path, encoding: .utf8), file: path) {
      try String(contentsOfFile: folder.appendingPathComponent($0).path, encoding: .utf8)
    }
  }
}
