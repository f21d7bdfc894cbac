import Foundation
import Testing

/// README.md and `sightline --help` agree, command by command and flag by flag: every command
/// has an entry in README's "Commands" section that names each of its long options and flags,
/// and every command and flag README names (there or anywhere else) exists. The docs' synopses
/// (`sightline play … --rate X`) name only flags their command takes.
@Suite struct HelpAgreementTests {
  @Test func readmeDocumentsEveryCommandAndFlagAndNothingElse() throws {
    let commands = try HelpTree.commands()
    // The tree was read: nested commands and shared option groups are in it.
    #expect(commands["bench frame"]?.flags.contains("--budget-ms") == true)
    #expect(commands["v2x decode"] != nil && commands["play"]?.flags.contains("--rate") == true)
    let readme = try String(
      contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let problems = HelpAgreement.readmeProblems(readme, commands: commands)
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }

  @Test func docsNameOnlyFlagsTheirCommandsTake() throws {
    let commands = try HelpTree.commands()
    let folder = repositoryRoot.appendingPathComponent("docs")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { $0.hasSuffix(".md") }.sorted()
    #expect(names.contains("DRIVES.md"))
    var mentions = 0
    for name in names {
      let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
      mentions += MarkdownCommands.mentions(in: text).count
      let problems = HelpAgreement.mentionProblems(text, commands: commands)
      #expect(problems.isEmpty, "docs/\(name):\n\(problems.joined(separator: "\n"))")
    }
    #expect(mentions > 0)  // at least DRIVES.md's play and eval synopses were read
  }

  /// The matcher finds what is wrong with a deliberately wrong mini-README.
  @Test func aWrongReadmeIsCaughtFlagByFlag() {
    let commands: [String: HelpCommand] = [
      "play": HelpCommand(path: "play", flags: ["--rate", "--loop", "--metadata", "--filter"]),
      "bench": HelpCommand(path: "bench", flags: [], isGroup: true),
      "bench frame": HelpCommand(path: "bench frame", flags: ["--repeat"]),
      "keygen": HelpCommand(path: "keygen", flags: ["--force"]),
    ]
    let good = """
      # Tool

      Run `sightline play DRIVE --rate 2`; `--loop` repeats.

      ## Commands

      - `SENSOR OPTIONS`: `--metadata FILE.json`, an Ouster's; `--filter BPF`.
      - `sightline play DRIVE [--rate X] [--loop] [SENSOR OPTIONS]`: plays, like
        `sightline bench frame --repeat 3` does not.
      - `sightline bench frame PCAP [--repeat N]`: measures.
      - `sightline keygen FILE [--force]`: writes keys.

      ## Layout
      """
    #expect(HelpAgreement.readmeProblems(good, commands: commands) == [])

    // A flag of play is missing from its entry (the group no longer covers --filter).
    let missing = good.replacingOccurrences(of: "`--filter BPF`", with: "a BPF filter")
    #expect(
      HelpAgreement.readmeProblems(missing, commands: commands) == [
        "README.md, Commands: `sightline play` does not document --filter"
      ])
    // An extra flag in an entry, and one in a mention elsewhere.
    let extra = good.replacingOccurrences(of: "[--loop]", with: "[--loop] [--speed S]")
      .replacingOccurrences(of: "DRIVE --rate 2", with: "DRIVE --rate 2 --fast")
    #expect(
      HelpAgreement.readmeProblems(extra, commands: commands) == [
        "README.md, Commands: `sightline play` documents --speed, which its --help does not list",
        "README.md: `sightline play DRIVE --rate 2 --fast` names --fast, which"
          + " `sightline play --help` does not list",
      ])
    // A flag no command takes, a command missing and one that does not exist.
    let wrong = good.replacingOccurrences(of: "`--loop` repeats", with: "`--again` repeats")
      .replacingOccurrences(of: "- `sightline keygen FILE [--force]`", with: "- `sightline keys`")
    #expect(
      HelpAgreement.readmeProblems(wrong, commands: commands) == [
        "README.md, Commands: no entry for `sightline keygen`",
        "README.md, Commands: `sightline keys` is not a command",
        "README.md: --again is no command's flag",
      ])
    // A subcommand the group does not have, and no Commands section at all.
    #expect(
      HelpAgreement.mentionProblems("Try `sightline bench grid`.", commands: commands) == [
        "`sightline bench grid`: bench has no subcommand grid"
      ])
    #expect(
      HelpAgreement.readmeProblems("# Tool\n", commands: commands).first
        == "README.md has no \"## Commands\" section")
  }

  @Test func mentionsAreFoundInSpansBlocksAndAcrossLines() {
    let text = """
      `sightline play (DRIVE | --lidar PCAP) [--rate X|max]
      [--loop]` and `sightline-scenario NAME --sensor S`, `Tools/sightline_sub.py --connect E`.

      ```sh
      sightline replay DRIVE --digest | sightline sub --latest
      ```

      ```
      sightline      the executable (a listing, not a command)
      ```
      """
    let mentions = MarkdownCommands.mentions(in: text)
    #expect(mentions.map(\.words) == [["play"], ["replay"], ["sub"]])
    #expect(
      mentions.map(\.flags) == [["--lidar", "--rate", "--loop"], ["--digest"], ["--latest"]])
  }
}

/// One command of `sightline`'s tree: its path under the root ("bench frame") and its long
/// option and flag names ("--repeat"), without --help and --version.
struct HelpCommand: Equatable {
  var path: String
  var flags: Set<String>
  /// A command that only groups subcommands (`bench`, `v2x`, `record`).
  var isGroup = false
  var subcommands: Set<String> = []
}

/// The `sightline` executable's command tree, as swift-argument-parser describes it.
enum HelpTree {
  /// Flags every command has, documented nowhere per command.
  static let excluded: Set<String> = ["--help", "--version", "-h"]

  /// Every command under the root, by path, from `sightline --experimental-dump-help` (the
  /// parser's own JSON of the whole tree, nested commands and option groups included).
  static func commands() throws -> [String: HelpCommand] {
    let result = try sightline(["--experimental-dump-help"])
    guard result.status == 0 else {
      throw HelpTreeError(description: "--experimental-dump-help failed: \(result.errors)")
    }
    return try commands(fromDump: Data(result.output.utf8))
  }

  static func commands(fromDump json: Data) throws -> [String: HelpCommand] {
    let dump = try JSONDecoder().decode(Dump.self, from: json)
    var commands: [String: HelpCommand] = [:]
    func walk(_ command: Dump.Command, path: [String]) {
      let children = (command.subcommands ?? []).filter { $0.commandName != "help" }
      if !path.isEmpty {
        let flags = (command.arguments ?? []).flatMap { $0.names ?? [] }
          .filter { $0.kind == "long" }.map { "--" + $0.name }
        commands[path.joined(separator: " ")] = HelpCommand(
          path: path.joined(separator: " "), flags: Set(flags).subtracting(excluded),
          isGroup: !children.isEmpty, subcommands: Set(children.map(\.commandName)))
      }
      for child in children { walk(child, path: path + [child.commandName]) }
    }
    walk(dump.command, path: [])
    return commands
  }

  /// The parts of swift-argument-parser's ToolInfoV0 this reads.
  private struct Dump: Decodable {
    var command: Command

    struct Command: Decodable {
      var commandName: String
      var subcommands: [Command]?
      var arguments: [Argument]?
    }

    struct Argument: Decodable {
      var names: [Name]?
    }

    struct Name: Decodable {
      var kind: String
      var name: String
    }
  }
}

struct HelpTreeError: Error, CustomStringConvertible {
  let description: String
}

/// `sightline …` in Markdown: where commands are named, and README's "Commands" section.
enum MarkdownCommands {
  /// `sightline WORDS ARGS` in a code span or a code block: the lowercase words after
  /// `sightline` (the command's path, perhaps with more) and the long flags among its arguments
  /// (up to the next `sightline` in the same span or line).
  struct Mention: Equatable {
    var words: [String]
    var flags: [String]
    var text: String
  }

  /// The text of every code span (which may wrap lines) and every line of every shell code
  /// block (```sh, bash, shell or console: other blocks are diagrams, listings, data), in the
  /// document's order.
  static func code(in markdown: String) -> [String] {
    var code: [String] = []
    var prose: [Substring] = []
    // Paragraph by paragraph, so that a stray backtick cannot pair across paragraphs.
    func flush() {
      for paragraph in prose.joined(separator: "\n").components(separatedBy: "\n\n") {
        let parts = paragraph.components(separatedBy: "`")
        for index in stride(from: 1, to: parts.count - 1, by: 2) { code.append(parts[index]) }
      }
      prose = []
    }
    var fence: String?
    var shell = false
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if let open = fence {
        if trimmed.hasPrefix(open) {
          fence = nil
        } else if shell {
          code.append(String(line))
        }
      } else if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
        flush()
        fence = String(trimmed.prefix(3))
        let info = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces).lowercased()
        shell = ["sh", "bash", "shell", "console", "zsh"].contains(info)
      } else {
        prose.append(line)
      }
    }
    flush()
    return code
  }

  static func mentions(in markdown: String) -> [Mention] {
    code(in: markdown).flatMap(mentions(inCode:))
  }

  /// `sightline` as a word of its own: not `sightline-scenario`, `sightline_subscriber.py` or
  /// `Sources/sightline`.
  static func mentions(inCode code: String) -> [Mention] {
    let tokens = code.split(whereSeparator: \.isWhitespace).map(String.init)
    var mentions: [Mention] = []
    for (index, token) in tokens.enumerated() where token == "sightline" {
      var words: [String] = []
      var rest = tokens[(index + 1)...].prefix { $0 != "sightline" }
      while let word = rest.first, isCommandWord(word) {
        words.append(word)
        rest = rest.dropFirst()
      }
      mentions.append(
        Mention(
          words: words, flags: rest.flatMap(flags(in:)),
          text: (["sightline"] + words + rest).joined(separator: " ")))
    }
    return mentions
  }

  /// A command's name: lowercase letters and digits (placeholders are uppercase: DRIVE, PCAP).
  static func isCommandWord(_ word: String) -> Bool {
    guard let first = word.first, first.isLowercase else { return false }
    return word.allSatisfy { ($0.isLowercase && $0.isASCII) || $0.isNumber }
  }

  /// Every long flag in `text`: `--` and a lowercase name, not inside a longer word.
  static func flags(in text: String) -> [String] {
    var flags: [String] = []
    let characters = Array(text)
    var index = 0
    while index + 2 < characters.count {
      let starts =
        characters[index] == "-" && characters[index + 1] == "-"
        && characters[index + 2].isLowercase && characters[index + 2].isASCII
        && (index == 0 || !isNameCharacter(characters[index - 1]))
      guard starts else {
        index += 1
        continue
      }
      var end = index + 2
      while end < characters.count, isNameCharacter(characters[end]) { end += 1 }
      while characters[end - 1] == "-" { end -= 1 }  // `--flag-` at a line's end
      flags.append(String(characters[index..<end]))
      index = end
    }
    return flags
  }

  static func isNameCharacter(_ character: Character) -> Bool {
    character.isASCII && (character.isLowercase || character.isNumber || character == "-")
  }

  /// One list item of the Commands section: a command (`sightline bench frame …`) or a named
  /// group of flags that entries refer to by its name (`LIDAR OPTIONS`).
  struct Entry {
    /// "bench frame", or the group's name.
    var name: String
    var isGroup: Bool
    var text: String
  }

  /// The "## Commands" section's entries: each top-level list item whose first code span is
  /// `sightline …` or an uppercase group name; nil when there is no such section.
  static func commandsSection(in markdown: String) -> [Entry]? {
    let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(of: "## Commands") else { return nil }
    var items: [String] = []
    var fenced = false
    for line in lines[(start + 1)...] {
      if line.hasPrefix("```") { fenced.toggle() }
      if !fenced && line.hasPrefix("## ") { break }
      if !fenced && line.hasPrefix("- ") {
        items.append(line)
      } else if !items.isEmpty && line.hasPrefix(" ") {
        items[items.count - 1] += "\n" + line
      } else if !line.isEmpty && !line.hasPrefix(" ") {
        items.append("")  // prose between items ends the item before it
      }
    }
    return items.compactMap { item -> Entry? in
      guard let first = code(in: item).first else { return nil }
      let tokens = first.split(whereSeparator: \.isWhitespace).map(String.init)
      if tokens.first == "sightline" {
        let words = tokens.dropFirst().prefix(while: isCommandWord)
        return Entry(name: words.joined(separator: " "), isGroup: false, text: item)
      }
      if !first.isEmpty, first.allSatisfy({ $0.isUppercase || $0 == " " }) {
        return Entry(name: first, isGroup: true, text: item)
      }
      return nil
    }
  }
}

/// What README (or a doc) says against what `--help` says, one line per disagreement.
enum HelpAgreement {
  static func readmeProblems(_ readme: String, commands: [String: HelpCommand]) -> [String] {
    guard let entries = MarkdownCommands.commandsSection(in: readme) else {
      return ["README.md has no \"## Commands\" section"]
    }
    var problems: [String] = []
    // What was reported, "path" or "path --flag", so that no disagreement is told twice.
    var reported = Set<String>()
    // Groups first: an entry's flags include those of every group it names.
    var groups: [String: Set<String>] = [:]
    for entry in entries where entry.isGroup {
      var flags = Set(MarkdownCommands.flags(in: entry.text))
      for (name, members) in groups where entry.text.contains(name) { flags.formUnion(members) }
      groups[entry.name] = flags
    }
    var documented: [String: Set<String>] = [:]
    for entry in entries where !entry.isGroup {
      guard documented[entry.name] == nil else {
        problems.append("README.md, Commands: two entries for `sightline \(entry.name)`")
        continue
      }
      // Flags in another command's mention (`sightline run --record`) are that command's.
      var own = entry.text
      for code in MarkdownCommands.code(in: entry.text).dropFirst() {
        let others = MarkdownCommands.mentions(inCode: code).filter {
          $0.words.joined(separator: " ") != entry.name
        }
        if !others.isEmpty { own = own.replacingOccurrences(of: code, with: "") }
      }
      var flags = Set(MarkdownCommands.flags(in: own))
      for (name, members) in groups where own.contains(name) { flags.formUnion(members) }
      documented[entry.name] = flags
    }
    for path in commands.keys.sorted() {
      guard let command = commands[path], !command.isGroup else { continue }
      guard let flags = documented[path] else {
        problems.append("README.md, Commands: no entry for `sightline \(path)`")
        continue
      }
      for flag in command.flags.subtracting(flags).sorted() {
        problems.append("README.md, Commands: `sightline \(path)` does not document \(flag)")
      }
    }
    for (path, flags) in documented.sorted(by: { $0.key < $1.key }) {
      guard let command = commands[path], !command.isGroup else {
        problems.append("README.md, Commands: `sightline \(path)` is not a command")
        reported.insert(path)
        continue
      }
      for flag in flags.subtracting(command.flags).subtracting(HelpTree.excluded).sorted() {
        problems.append(
          "README.md, Commands: `sightline \(path)` documents \(flag), which its --help does not"
            + " list")
        reported.insert("\(path) \(flag)")
      }
    }
    // Everywhere: every `sightline …` names a command and its flags, and every other flag is
    // some command's.
    problems += mentionProblems(readme, commands: commands, reported: &reported).map {
      "README.md: " + $0
    }
    let known = commands.values.reduce(into: HelpTree.excluded) { $0.formUnion($1.flags) }
    let told = Set(reported.compactMap { $0.split(separator: " ").last.map(String.init) })
    var unknown: [String] = []
    for flag in MarkdownCommands.flags(in: readme)
    where !known.contains(flag) && !told.contains(flag) && !unknown.contains(flag) {
      unknown.append(flag)
    }
    return problems + unknown.map { "README.md: \($0) is no command's flag" }
  }

  /// Problems with the `sightline …` mentions of a Markdown text: a command that does not
  /// exist, or a flag the command does not take.
  static func mentionProblems(_ markdown: String, commands: [String: HelpCommand]) -> [String] {
    var reported = Set<String>()
    return mentionProblems(markdown, commands: commands, reported: &reported)
  }

  /// As above, skipping (and adding to) `reported`: "path" or "path --flag".
  static func mentionProblems(
    _ markdown: String, commands: [String: HelpCommand], reported: inout Set<String>
  ) -> [String] {
    var problems: [String] = []
    for mention in MarkdownCommands.mentions(in: markdown) {
      // The longest run of words that names a command; a group's further words must name one
      // of its subcommands.
      var path: [String] = []
      for word in mention.words {
        guard commands[(path + [word]).joined(separator: " ")] != nil else { break }
        path.append(word)
      }
      let name = path.joined(separator: " ")
      if mention.words.isEmpty {  // `sightline --help`, `sightline COMMAND --help`
        for flag in mention.flags where !HelpTree.excluded.contains(flag) {
          problems.append("`\(mention.text)` names \(flag), which no command level takes")
        }
        continue
      }
      guard let command = commands[name] else {
        let said = mention.words.joined(separator: " ")
        if reported.insert(said).inserted {
          problems.append(
            "`\(mention.text)`: "
              + "\(mention.words[0]) is not a command")
        }
        continue
      }
      if command.isGroup, mention.words.count > path.count {
        let said = (path + [mention.words[path.count]]).joined(separator: " ")
        if reported.insert(said).inserted {
          problems.append(
            "`\(mention.text)`: \(name) has no subcommand \(mention.words[path.count])")
        }
        continue
      }
      for flag in mention.flags
      where !command.flags.contains(flag) && !HelpTree.excluded.contains(flag)
        && reported.insert("\(name) \(flag)").inserted
      {
        problems.append(
          "`\(mention.text)` names \(flag), which `sightline \(name) --help` does not list")
      }
    }
    return problems
  }
}
