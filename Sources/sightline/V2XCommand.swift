// `sightline v2x`: V2X tools; `sightline v2x decode` turns hex J2735 payloads into JSON lines.

import ArgumentParser
import Foundation
import SightlineTools

struct V2XCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "v2x", abstract: "V2X tools.", subcommands: [V2XDecodeCommand.self])
}

struct V2XDecodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decode",
    abstract: "Decode J2735 payloads: one hex payload per line in, one JSON line out.")

  @Argument(help: "File of hex payloads, or - (the default) for standard input.")
  var input = "-"

  func run() throws {
    let text: String
    if input == "-" {
      text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    } else {
      do {
        text = try String(contentsOfFile: input, encoding: .utf8)
      } catch {
        throw Failure(description: "cannot read \(input): \(error.localizedDescription)")
      }
    }
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      printLine(V2XDecodeLines.decode(line: line))
    }
  }
}
