import Foundation
import SightlineHesai
import SightlineLidar
import SightlineNet
import SightlinePcap
import Testing

/// The shared data beside the repository (CI lays it there too).
let sharedLidarData = repositoryRoot.deletingLastPathComponent()
  .appendingPathComponent("shared/data/lidar")

func hesaiCalibration(_ model: HesaiModel) throws -> HesaiCalibration {
  let url = sharedLidarData.appendingPathComponent("calibration/hesai-\(model.rawValue).csv")
  return try HesaiCalibration(csv: String(contentsOf: url, encoding: .utf8), model: model)
}

/// A finished sweep, copied out of the stream's buffer.
struct HesaiSweep {
  var points: [LidarPoint]
  var packetCount: Int
  var packetsMissing: Int
  var startNanoseconds: Int64
  var endNanoseconds: Int64
  var beganAtCut: Bool
  var endedAtCut: Bool
  var hadGap: Bool
  var coverageCentidegrees: Int

  init(_ sweep: Sweep) {
    points = sweep.points
    packetCount = sweep.packetCount
    packetsMissing = sweep.packetsMissing
    startNanoseconds = sweep.startNanoseconds
    endNanoseconds = sweep.endNanoseconds
    beganAtCut = sweep.beganAtCut
    endedAtCut = sweep.endedAtCut
    hadGap = sweep.hadGap
    coverageCentidegrees = sweep.coverageCentidegrees
  }
}

/// The UDP payloads of a capture, in order, with their destination ports.
func udpPayloads(_ path: String) throws -> [(port: UInt16, bytes: [UInt8])] {
  let capture = try PcapFile(path: path)
  var payloads: [(port: UInt16, bytes: [UInt8])] = []
  while try capture.next({ record in
    guard case .datagram(let datagram) = UDPDatagramParser.parse(record.bytes, linkType: .ethernet)
    else { return }
    payloads.append((datagram.destinationPort, Array(datagram.payload)))
  }) {}
  return payloads
}

/// Runs payloads through `stream`; the sweeps it finished (cuts), then what `flush` handed on.
func ingest(
  _ payloads: [(port: UInt16, bytes: [UInt8])], into stream: inout HesaiStream
) -> (cut: [HesaiSweep], flushed: [HesaiSweep]) {
  var cut: [HesaiSweep] = []
  for payload in payloads {
    payload.bytes.withUnsafeBytes { bytes in
      stream.ingest(payload: bytes, destinationPort: payload.port, captureTimeNanoseconds: 0) {
        sweep, _ in cut.append(HesaiSweep(sweep))
      }
    }
  }
  var flushed: [HesaiSweep] = []
  stream.flush { sweep, _ in flushed.append(HesaiSweep(sweep)) }
  return (cut, flushed)
}

/// x y z of a binary PCD with only those three float32 fields.
func readXYZPCD(_ url: URL) throws -> [SIMD3<Float>] {
  let data = try Data(contentsOf: url)
  let marker = Data("DATA binary\n".utf8)
  guard let range = data.range(of: marker) else { throw PCDError.notBinaryXYZ }
  let header = String(decoding: data[..<range.lowerBound], as: UTF8.self)
  guard header.contains("FIELDS x y z\n"), header.contains("SIZE 4 4 4\n") else {
    throw PCDError.notBinaryXYZ
  }
  let body = data[range.upperBound...]
  return body.withUnsafeBytes { raw in
    (0..<(raw.count / 12)).map { index in
      SIMD3(
        raw.loadUnaligned(fromByteOffset: index * 12, as: Float.self),
        raw.loadUnaligned(fromByteOffset: index * 12 + 4, as: Float.self),
        raw.loadUnaligned(fromByteOffset: index * 12 + 8, as: Float.self))
    }
  }
}

enum PCDError: Error { case notBinaryXYZ }

/// Point by point, in order: our REP 103 points turned into nebula's Hesai frame
/// (x_nebula = −y, y_nebula = x).
struct CloudComparison: CustomStringConvertible {
  var count: Int
  var referenceCount: Int
  var within1cm: Int
  var maximumError: Float

  init(_ points: [LidarPoint], reference: [SIMD3<Float>]) {
    count = points.count
    referenceCount = reference.count
    within1cm = 0
    maximumError = 0
    for (point, expected) in zip(points, reference) {
      let error = length(SIMD3(-point.y, point.x, point.z) - expected)
      if error <= 0.01 { within1cm += 1 }
      maximumError = max(maximumError, error)
    }
  }

  var fractionWithin1cm: Double { Double(within1cm) / Double(max(referenceCount, 1)) }

  var description: String {
    "\(count) points (nebula \(referenceCount)), "
      + "\(String(format: "%.4f", fractionWithin1cm * 100)) % within 1 cm, "
      + "max error \(String(format: "%.2e", maximumError)) m"
  }
}

private func length(_ v: SIMD3<Float>) -> Float { (v * v).sum().squareRoot() }
