// `sightline keygen`: write a CURVE key pair.

import ArgumentParser
import SightlineZMQ

struct KeygenCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keygen",
    abstract: "Write a CURVE key pair: FILE (secret, mode 0600) and FILE.pub (for allow-lists).",
    discussion: """
      Give FILE to the process that owns it (security.curve_secret_key, or `sub --curve-key`);
      hand FILE.pub to its peers: a line of their allow-list (publish.curve_allow,
      [[v2x.source]] curve_allow), or their curve_server_key / --server-key.
      """)

  @Argument(help: "The secret key file to write.")
  var file: String

  @Flag(name: .long, help: "Replace existing key files.")
  var force = false

  func run() throws {
    let pair = try CurveKeyPair.generate()
    try pair.write(to: file, replacing: force)
    printLine("wrote \(file) (secret) and \(file).pub (public key \(pair.publicKey.z85))")
  }
}
