import Foundation
import SightlineLidar
import SightlineNet
import SightlineOuster
import SightlinePcap
import Testing

/// The shared captures (../shared from the repository root) and the fixtures beside this file.
let sharedLidar = repositoryRoot.deletingLastPathComponent()
  .appendingPathComponent("shared/data/lidar")
let ousterFixtures = repositoryRoot.appendingPathComponent(
  "Tests/SightlineLidarTests/Fixtures/ouster")

/// What ouster-sdk made of one capture (Fixtures/ouster/README.md gives the format).
struct OusterReference {
  struct Column: Equatable {
    var id: Int
    var status: Int
    var timestamp: Int64
  }
  struct Return {
    var row: Int
    var column: Int
    var index: Int
    var reflectivity: UInt8
    var rangeMillimetres: UInt32
    var xyz: SIMD3<Float>
  }
  struct Frame {
    var frameID: UInt32
    var complete: Bool
    var columns: [Column]
    var returns: [Return]
  }
  var rows: Int
  var columnsPerFrame: Int
  var returnsPerPixel: Int
  var frames: [Frame]

  static func load(_ name: String) throws -> OusterReference {
    let url = ousterFixtures.appendingPathComponent("\(name).ouster-sdk.bin")
    var reader = ByteReader(bytes: [UInt8](try Data(contentsOf: url)))
    #expect(reader.take(8) == Array("OUSTREF1".utf8))
    let rows = Int(reader.u16())
    let columns = Int(reader.u16())
    let returns = Int(reader.u8())
    _ = reader.u8()
    let frameCount = Int(reader.u16())
    let frames = (0..<frameCount).map { _ in readFrame(&reader) }
    #expect(reader.offset == reader.bytes.count)
    return OusterReference(
      rows: rows, columnsPerFrame: columns, returnsPerPixel: returns, frames: frames)
  }

  private static func readFrame(_ reader: inout ByteReader) -> Frame {
    let frameID = reader.u32()
    let columnCount = Int(reader.u16())
    let complete = reader.u8() != 0
    _ = reader.u8()
    let returnCount = Int(reader.u32())
    let columns = (0..<columnCount).map { _ in
      Column(id: Int(reader.u16()), status: Int(reader.u16()), timestamp: Int64(reader.u64()))
    }
    let returns = (0..<returnCount).map { _ in
      Return(
        row: Int(reader.u16()), column: Int(reader.u16()), index: Int(reader.u8()),
        reflectivity: reader.u8(), rangeMillimetres: reader.u32(),
        xyz: SIMD3(reader.f32(), reader.f32(), reader.f32()))
    }
    return Frame(frameID: frameID, complete: complete, columns: columns, returns: returns)
  }
}

/// Little-endian reads from a byte array, for the fixtures.
struct ByteReader {
  let bytes: [UInt8]
  var offset = 0

  mutating func take(_ count: Int) -> [UInt8] {
    defer { offset += count }
    return Array(bytes[offset..<offset + count])
  }
  mutating func unsigned(_ size: Int) -> UInt64 {
    take(size).reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }
  mutating func u8() -> UInt8 { UInt8(unsigned(1)) }
  mutating func u16() -> UInt16 { UInt16(unsigned(2)) }
  mutating func u32() -> UInt32 { UInt32(unsigned(4)) }
  mutating func u64() -> UInt64 { unsigned(8) }
  mutating func f32() -> Float { Float(bitPattern: u32()) }
}

/// One UDP payload of a capture.
struct CapturedPayload {
  var port: UInt16
  var bytes: [UInt8]
  var timeNanoseconds: Int64
}

/// The UDP payloads of a capture, in order.
func capturedPayloads(_ path: String) throws -> [CapturedPayload] {
  let capture = try LinkLayerCapture(path: path)
  var payloads: [CapturedPayload] = []
  let damage = try capture.read { record in
    guard
      case .datagram(let datagram) = UDPDatagramParser.parse(
        record.bytes, linkType: capture.linkType)
    else { return }
    payloads.append(
      CapturedPayload(
        port: datagram.destinationPort, bytes: Array(datagram.payload),
        timeNanoseconds: record.timestampNanoseconds))
  }
  #expect(damage == nil)
  return payloads
}

func ousterMetadata(_ url: URL) throws -> OusterMetadata {
  try OusterMetadata(json: [UInt8](Data(contentsOf: url)))
}

/// A capture's sweeps through OusterStream, with copies of their points.
struct OusterRun {
  struct DecodedSweep {
    var sweep: Sweep
    var frameID: UInt32?
  }
  var stream: OusterStream
  var sweeps: [DecodedSweep] = []

  init(metadata: OusterMetadata) {
    stream = OusterStream(metadata: metadata)
  }

  mutating func feed(_ payloads: [CapturedPayload]) {
    for payload in payloads { feed(payload) }
  }

  mutating func feed(_ payload: CapturedPayload) {
    var finished: [Sweep] = []
    payload.bytes.withUnsafeBytes { bytes in
      stream.ingest(
        payload: bytes, destinationPort: payload.port,
        captureTimeNanoseconds: payload.timeNanoseconds
      ) { sweep, _ in finished.append(sweep) }
    }
    for sweep in finished {
      sweeps.append(DecodedSweep(sweep: sweep, frameID: stream.lastSweepFrameID))
    }
  }

  mutating func flush() {
    var finished: [Sweep] = []
    stream.flush { sweep, _ in finished.append(sweep) }
    for sweep in finished {
      sweeps.append(DecodedSweep(sweep: sweep, frameID: stream.lastSweepFrameID))
    }
  }
}

/// A shared capture decoded with its metadata.
func decodeSharedCapture(_ name: String) throws -> OusterRun {
  let metadata = try ousterMetadata(sharedLidar.appendingPathComponent("\(name).json"))
  var run = OusterRun(metadata: metadata)
  run.feed(try capturedPayloads(sharedLidar.appendingPathComponent("\(name).pcap").path))
  run.flush()
  return run
}

@Suite struct OusterFixtureTests {
  @Test func fixturesHoldManifestCounts() throws {
    let expected = [
      "ouster-os0-32-dual": 21803, "ouster-os1-32-legacy": 27310,
      "ouster-os1-128-fusa-dual-partial": 17462,
    ]
    for (name, count) in expected {
      let reference = try OusterReference.load(name)
      #expect(reference.frames.map(\.returns.count) == [count], "\(name)")
    }
  }

  @Test func sharedDataIsPresent() throws {
    for name in ["ouster-os0-32-dual", "ouster-os1-32-legacy", "ouster-os1-128-fusa-dual-partial"] {
      let pcap = sharedLidar.appendingPathComponent("\(name).pcap").path
      #expect(FileManager.default.fileExists(atPath: pcap), "missing \(pcap)")
    }
  }
}
