import Foundation
import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlineVelodyne
import Testing

/// The repository root, found from this file's path so tests run from any directory.
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let bundledCapture = repositoryRoot.appendingPathComponent(
  "Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap"
).path

/// What velodyne-decoder (an independent decoder) produced for the bundled capture.
struct PeerReference: Decodable {
  struct PeerPoint: Decodable {
    var x: Float
    var y: Float
    var z: Float
    var intensity: Int
    var ring: Int
    var return_type: Int
    var time: Double
  }
  struct PeerSweep: Decodable {
    var last_packet_time_ns: Int64
    var points: Int
    var first_points: [PeerPoint]
  }
  var decoder: String
  var sweeps: [PeerSweep]
  var point_counts_cut_at_90: [Int]

  static func load() throws -> PeerReference {
    let url = repositoryRoot.appendingPathComponent(
      "Tests/SightlineLidarTests/Fixtures/vlp16-strongest-gps.velodyne-decoder.json")
    return try JSONDecoder().decode(PeerReference.self, from: Data(contentsOf: url))
  }
}

struct DecodedSweep {
  var points: [LidarPoint]
  var packets: Int
  var start: Int64
  var end: Int64
  var complete: Bool
  var coverageDegrees: Double
}

/// Runs the pure decoding path over a capture, the way the runtime does.
func decodeSweeps(_ path: String, cutCentidegrees: Int = 0) throws -> [DecodedSweep] {
  let capture = try PcapFile(path: path)
  let decoder = VelodyneDecoder()
  var assembler = SweepAssembler(cutAzimuthCentidegrees: cutCentidegrees)
  var sweeps = [DecodedSweep]()
  func emit() {
    let s = assembler.sweep
    sweeps.append(
      DecodedSweep(
        points: s.points, packets: s.packetCount, start: s.startNanoseconds, end: s.endNanoseconds,
        complete: s.isComplete, coverageDegrees: s.coverageDegrees))
    assembler.reset()
  }
  while try capture.next({ record in
    guard case .datagram(let datagram) = UDPDatagramParser.parse(record.bytes, linkType: .ethernet),
      datagram.destinationPort == VelodynePacketLayout.dataPort,
      case .header(let header) = VelodynePacketHeader.parse(datagram.payload)
    else { return }
    let time = TopOfHour.resolve(
      microsecondsPastHour: header.microsecondsPastHour,
      referenceNanoseconds: record.timestampNanoseconds)
    switch assembler.place(packetTime: time) {
    case .dropLate: return
    case .cutThenAppend: emit()
    case .append: break
    }
    decoder.decode(
      datagram.payload, header: header, packetTimeNanoseconds: time, into: &assembler.sweep.points)
    if assembler.didAppend(header, packetTime: time) { emit() }
  }) {}
  if assembler.sweep.packetCount > 0 { emit() }
  return sweeps
}

@Suite struct BundledCaptureTests {
  @Test func sweepsMatchTheIndependentDecoder() throws {
    let reference = try PeerReference.load()
    let sweeps = try decodeSweeps(bundledCapture)
    #expect(sweeps.map(\.points.count) == reference.sweeps.map(\.points))
    #expect(sweeps.map(\.points.count) == [14642, 18705, 18410, 18650, 3079])
    // Both decoders stamp a sweep from the same packet: the last one, within 1 µs.
    for (sweep, peer) in zip(sweeps, reference.sweeps) {
      #expect(abs(sweep.end - peer.last_packet_time_ns) < 1000)
    }
  }

  @Test func onlyTheMiddleSweepsAreComplete() throws {
    let sweeps = try decodeSweeps(bundledCapture)
    #expect(sweeps.map(\.complete) == [false, true, true, true, false])
    for sweep in sweeps where sweep.complete {
      #expect(sweep.coverageDegrees > 355 && sweep.coverageDegrees < 365)
    }
    #expect(sweeps[0].coverageDegrees < 300)
    #expect(sweeps[4].coverageDegrees < 100)
    #expect(sweeps.map(\.packets).reduce(0, +) == 293)
  }

  @Test func pointsMatchTheIndependentDecoderOneByOne() throws {
    let reference = try PeerReference.load()
    let sweeps = try decodeSweeps(bundledCapture)
    for (sweep, peer) in zip(sweeps, reference.sweeps) {
      for (ours, theirs) in zip(sweep.points, peer.first_points) {
        #expect(abs(ours.x - theirs.x) < 0.001)
        #expect(abs(ours.y - theirs.y) < 0.001)
        #expect(abs(ours.z - theirs.z) < 0.001)
        #expect(Int(ours.intensity) == theirs.intensity)
        #expect(Int(ours.ring) == theirs.ring)
        #expect(Int(ours.returnType) == theirs.return_type)
        // The peer's time is relative to its stamp (the last packet), in seconds.
        let theirTime = peer.last_packet_time_ns + Int64((theirs.time * 1e9).rounded())
        #expect(abs(ours.timeNanoseconds - theirTime) < 1000)
      }
    }
  }

  @Test func aCutAngleMovesTheSweepBoundary() throws {
    let reference = try PeerReference.load()
    let atZero = try decodeSweeps(bundledCapture)
    let atNinety = try decodeSweeps(bundledCapture, cutCentidegrees: 9000)
    let countsAtZero: [Int] = atZero.map { $0.points.count }
    let countsAtNinety: [Int] = atNinety.map { $0.points.count }
    #expect(countsAtNinety != countsAtZero)
    let totalAtZero = countsAtZero.reduce(0, +)
    let totalAtNinety = countsAtNinety.reduce(0, +)
    #expect(totalAtNinety == totalAtZero)
    #expect(countsAtNinety == reference.point_counts_cut_at_90)
    // The capture holds 3.9 turns starting at 119°: cut at 90°, only two are whole.
    #expect(atNinety.map(\.complete) == [false, true, true, false])
  }
}
