// The command line's one-line error, and the helpers every command uses to load its inputs and
// print its lines.

import Foundation
import SightlinePipeline
import SightlineReplay

/// Exits non-zero with one clear line on stderr.
struct Failure: Error, CustomStringConvertible {
  let description: String
}

func loadConfig(_ path: String?) throws -> SightlineConfig {
  guard let path else { return SightlineConfig() }
  do {
    return try SightlineConfig.load(path: path)
  } catch {
    throw Failure(description: "config error: \(error)")
  }
}

func loadDrive(_ folder: String, base: SightlineConfig = SightlineConfig()) throws -> Drive {
  do {
    return try Drive.load(folder: folder, base: base)
  } catch {
    throw Failure(description: "drive error: \(error)")
  }
}

func printLine(_ line: String) {
  print(line)
  fflush(nil)  // flush every stream: subscribers and tests read lines as they come
}
