// Captures written through PcapWriter must be byte for byte the nanosecond pcap the hand-written
// builder lays out, read back with PcapFile to the same records and times, and fail clearly.

import Foundation
import SightlinePcap
import Testing

func temporaryCapturePath(_ name: String) throws -> String {
  let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("sightline-pcap-writer-tests-\(getpid())")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  return directory.appendingPathComponent(name).path
}

@Suite struct PcapWriterTests {
  static let frames = [
    CapturedFrame(Array(0..<60), at: 1_714_564_801_123_456_789),
    CapturedFrame([UInt8](repeating: 0xAB, count: 1248), at: 1_714_564_801_123_456_790),
    CapturedFrame(Array(repeating: 7, count: 100), at: 1_714_564_802_000_000_000),
    // Cut to 64 bytes from 1500 on the wire.
    CapturedFrame(
      Array(repeating: 9, count: 64), at: 1_714_564_802_999_999_999, originalLength: 1500),
    CapturedFrame([], at: 0),
  ]

  func write(_ frames: [CapturedFrame], to path: String, snapLength: Int = 262_144) throws {
    let writer = try PcapWriter(path: path, snapLength: snapLength)
    for frame in frames {
      try writer.write(
        frame.bytes, timestampNanoseconds: frame.timestampNanoseconds,
        originalLength: frame.originalLength)
    }
    #expect(writer.records == frames.count)
    try writer.close()
  }

  @Test func readsBackTheSameRecordsAndNanoseconds() throws {
    let path = try temporaryCapturePath("round-trip.pcap")
    try write(Self.frames, to: path)
    let capture = try PcapFile(path: path)
    #expect(capture.linkType == 1)
    let back = try readAll(capture)
    #expect(back.map(\.bytes) == Self.frames.map(\.bytes))
    #expect(back.map(\.timestampNanoseconds) == Self.frames.map(\.timestampNanoseconds))
    #expect(back.map(\.originalLength) == Self.frames.map(\.originalLength))
    #expect(capture.truncatedRecords == 1)
  }

  @Test func fileIsTheClassicNanosecondFormat() throws {
    let path = try temporaryCapturePath("layout.pcap")
    try write(Self.frames, to: path, snapLength: 65535)
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(bytes == classicPcap(linkType: 1, snapLength: 65535, frames: Self.frames))
  }

  @Test func copiesARealCapture() throws {
    let path = try temporaryCapturePath("copy.pcap")
    let original = try PcapFile(path: bundledCapture)
    let writer = try PcapWriter(path: path)
    while try original.next({ record in try writer.write(record) }) {}
    try writer.close()
    let copied = try readAll(PcapFile(path: path))
    let source = try readAll(PcapFile(path: bundledCapture))
    #expect(copied.count == 350)
    #expect(copied.map(\.bytes) == source.map(\.bytes))
    #expect(copied.map(\.timestampNanoseconds) == source.map(\.timestampNanoseconds))
  }

  @Test func aBadPathIsAClearError() {
    let path = "/nonexistent-directory-\(getpid())/out.pcap"
    do {
      _ = try PcapWriter(path: path)
      Issue.record("opened \(path)")
    } catch {
      #expect(error.kind == .open)
      #expect(error.path == path)
      #expect(error.message.contains("No such file or directory"))
      #expect(error.description.hasPrefix("cannot create capture \(path): "))
    }
  }

  @Test func refusesRecordsThePcapFormatCannotHold() throws {
    let path = try temporaryCapturePath("refused.pcap")
    let writer = try PcapWriter(path: path, snapLength: 100)
    let cases: [(bytes: [UInt8], time: Int64, original: Int?)] = [
      ([1], -1, nil),  // before 1970
      ([1], (Int64(UInt32.max) + 1) * 1_000_000_000, nil),  // after 2106
      ([UInt8](repeating: 0, count: 101), 0, nil),  // beyond the snap length
      ([1, 2, 3], 0, 2),  // wire length shorter than the bytes
    ]
    for input in cases {
      #expect {
        try writer.write(
          input.bytes, timestampNanoseconds: input.time, originalLength: input.original)
      } throws: { error in
        (error as? PcapWriteError)?.kind == .badRecord
      }
    }
    try writer.write([1, 2, 3], timestampNanoseconds: 5)
    #expect(writer.records == 1)
    try writer.close()
    try writer.close()  // harmless
    #expect(throws: PcapWriteError(kind: .closed, path: path, message: "")) {
      try writer.write([1], timestampNanoseconds: 0)
    }
    #expect(try readAll(PcapFile(path: path)).map(\.bytes) == [[1, 2, 3]])
  }

  @Test func recordsSurviveAWriterThatIsOnlyDropped() throws {
    let path = try temporaryCapturePath("dropped.pcap")
    do {
      let writer = try PcapWriter(path: path)
      try writer.write([4, 5, 6], timestampNanoseconds: 1_000_000_001)
      try writer.flush()
      #expect(try readAll(PcapFile(path: path)).count == 1)  // visible before closing
      try writer.write([7], timestampNanoseconds: 1_000_000_002)
    }
    let back = try readAll(PcapFile(path: path))
    #expect(back.map(\.bytes) == [[4, 5, 6], [7]])
    #expect(back.map(\.timestampNanoseconds) == [1_000_000_001, 1_000_000_002])
  }
}
