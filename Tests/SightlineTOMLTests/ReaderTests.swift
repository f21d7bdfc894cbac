// What SightlineTOML promises beyond the suite: where an error is, why, and limits that keep a
// hostile file from taking the process down.
import SightlineTOML
import Testing

func readError(_ text: String) -> TOMLError? {
  do throws(TOMLError) {
    _ = try TOMLReader.parse(text)
    return nil
  } catch {
    return error
  }
}

@Test func anErrorNamesItsLineAndColumn() {
  let error = readError("[grid]\ncolumns = 400\nresolution_m = 0.2.5\n")
  #expect(error?.line == 3)
  #expect(error?.column == 16)
  #expect(error?.message == "not a number: 0.2.5")
  #expect(error?.description == "line 3, column 16: not a number: 0.2.5")
}

@Test func tablesDefinedTwiceAndDuplicateKeysAreNamed() {
  #expect(
    readError("[grid]\na = 1\n[grid]\n")?.message
      == "[grid]: table grid is already defined by a header")
  #expect(
    readError("[v2x]\nquarantine_s = 1\nquarantine_s = 2\n")?.message
      == "duplicate key quarantine_s")
  #expect(readError("a.b = 1\n[a]\n")?.message == "[a]: table a is already defined by dotted keys")
}

@Test func datesAreRefusedAsDates() {
  let error = readError("[expect]\nrecorded = 2026-12-04T16:00:00Z\n")
  #expect(error?.message.hasPrefix("dates and times are not read") == true)
  #expect(error?.line == 2 && error?.column == 12)
}

@Test func deepNestingIsAnErrorNotAStackOverflow() {
  let deep = String(repeating: "[", count: 100_000)
  #expect(readError("a = " + deep)?.message.hasPrefix("arrays and inline tables nest more") == true)
  let inline = String(repeating: "{a=", count: 50_000)
  #expect(
    readError("a = " + inline)?.message.hasPrefix("arrays and inline tables nest more") == true)
  let longKey = Array(repeating: "k", count: 10_000).joined(separator: ".")
  #expect(readError("[\(longKey)]")?.message.hasPrefix("a key has more than") == true)
  // Within the limits, nesting reads.
  let nested = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
  #expect(readError("a = " + nested) == nil)
}

@Test func bytesThatAreNotUTF8AreAnError() {
  let bytes = Array("a = \"".utf8) + [0xC3, 0x28] + Array("\"".utf8)
  let error = #expect(throws: TOMLError.self) { try TOMLReader.parse(bytes: bytes) }
  #expect(error?.message == "not UTF-8 text")
}

@Test func keysKeepTheirOrderAndValuesTheirTypes() throws {
  let table = try TOMLReader.parse(
    """
    zeta = 1
    alpha = 2.5
    [[v2x.source]]
    topics = ["bsm", 'psm']
    [[v2x.source]]
    bind = true
    big = 9_223_372_036_854_775_807
    """)
  #expect(table.keys == ["zeta", "alpha", "v2x"])
  #expect(table["zeta"]?.int == 1 && table["zeta"]?.double == nil)
  #expect(table["alpha"]?.double == 2.5 && table["alpha"]?.int == nil)
  let sources = table["v2x"]?.table?["source"]?.array
  #expect(sources?.count == 2)
  #expect(sources?[0].table?["topics"] == .array([.string("bsm"), .string("psm")]))
  #expect(sources?[1].table?["bind"]?.bool == true)
  #expect(sources?[1].table?["big"] == .integer(.max))
  #expect(
    readError("big = 9_223_372_036_854_775_808")?.message.hasPrefix("integer out of range") == true)
}
