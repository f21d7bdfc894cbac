// KeyFile: reads the keys of a CURVE key file.
//
// Key files are ZPL text (ZeroMQ RFC 4), the layout of czmq's zcert, so each side reads the
// other's files:
//
//     #   Sightline CURVE secret key. Keep this file private (mode 0600).
//     curve
//         public-key = "<40 Z85 characters>"
//         secret-key = "<40 Z85 characters>"
//
// `CurveKeyPair.write(to: path)` writes that secret file with mode 0600 and `<path>.pub`, the same without
// `secret-key`: the file to hand to peers. Readers take `public-key` / `secret-key` from a
// `curve` section or from the top level (so `public-key = "..."` alone is a key file too),
// ignore other sections (czmq's `metadata`) and `#` comments. Values may be quoted ("..." or
// '...') or bare. A secret file that other users may access (any of mode 0007) is refused;
// group access is allowed, for service groups.

/// The keys of a key file, as text with their line numbers, and the file's mode.
struct KeyFile {
  let path: String
  let mode: UInt32
  var publicKey: (text: Substring, line: Int)?
  var secretKey: (text: Substring, line: Int)?

  init(path: String) throws(CurveKeyError) {
    let file = try TextFile(path: path)
    self.path = path
    mode = file.mode
    // Section headers enclosing the current line: (indent, name).
    var sections = [(indent: Int, name: Substring)]()
    for (index, line) in file.text.split(
      omittingEmptySubsequences: false, whereSeparator: \.isNewline
    ).enumerated() {
      let located = { (problem: CurveKeyError.Problem) in
        CurveKeyError(path: path, line: index + 1, problem)
      }
      let indent = line.prefix { $0 == " " || $0 == "\t" }.count
      let content = line.dropFirst(indent).trimmingWhitespace()
      if content.isEmpty || content.first == "#" { continue }
      while let last = sections.last, last.indent >= indent { sections.removeLast() }
      let name = content.prefix(while: ZPL.isNameCharacter)
      let rest = content.dropFirst(name.count).drop { $0 == " " || $0 == "\t" }
      guard !name.isEmpty else { throw located(.syntax("expected a name")) }
      guard rest.first == "=" else {
        guard rest.isEmpty || rest.first == "#" else {
          throw located(.syntax("expected `name = value` or a section name"))
        }
        sections.append((indent, name))
        continue
      }
      let value: Substring
      do throws(CurveKeyError) {
        value = try ZPL.value(rest.dropFirst().trimmingWhitespace())
      } catch {
        throw located(error.problem)
      }
      guard sections.isEmpty || sections.map(\.name) == ["curve"] else { continue }
      switch name {
      case "public-key":
        guard publicKey == nil else { throw located(.duplicateKey("public-key")) }
        publicKey = (value, index + 1)
      case "secret-key":
        guard secretKey == nil else { throw located(.duplicateKey("secret-key")) }
        secretKey = (value, index + 1)
      default: continue
      }
    }
  }

  /// Makes a key from an entry, errors located at its line.
  func key<Key>(
    _ entry: (text: Substring, line: Int), _ make: (String) throws(CurveKeyError) -> Key
  ) throws(CurveKeyError) -> Key {
    do throws(CurveKeyError) {
      return try make(String(entry.text))
    } catch {
      throw CurveKeyError(path: path, line: entry.line, error.problem)
    }
  }
}
