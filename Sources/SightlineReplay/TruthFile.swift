import Foundation
import SightlineLidar
import SightlineScenario
import SightlineTimeline
import SightlineVelodyne

/// A synthetic drive's ground truth (`truth.jsonl`, written by Tools/scenario): the header,
/// then samples every 50 ms. Read whole; interpolated between samples.
public struct TruthFile: Sendable {
  public let header: TruthHeader
  public let samples: [TruthSample]
  /// The scenario's ENU plane.
  public let plane: LocalTangentPlane

  public struct ReadError: Error, CustomStringConvertible {
    public let description: String
  }

  public static func read(path: String) throws(ReadError) -> TruthFile {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ReadError(description: "\(path): cannot read")
    }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    guard let first = lines.first else { throw ReadError(description: "\(path): empty") }
    let decoder = JSONDecoder()
    do {
      let header = try decoder.decode(TruthHeader.self, from: Data(first.utf8))
      let samples = try lines.dropFirst().map {
        try decoder.decode(TruthSample.self, from: Data($0.utf8))
      }
      guard !samples.isEmpty,
        zip(samples, samples.dropFirst()).allSatisfy({ $0.t_ns < $1.t_ns })
      else { throw ReadError(description: "\(path): samples missing or out of time order") }
      return TruthFile(header: header, samples: samples)
    } catch let error as ReadError {
      throw error
    } catch {
      throw ReadError(description: "\(path): \(error)")
    }
  }

  init(header: TruthHeader, samples: [TruthSample]) {
    self.header = header
    self.samples = samples
    plane = LocalTangentPlane(
      origin: GeodeticPosition(
        latitudeDegrees: header.origin.latitude, longitudeDegrees: header.origin.longitude,
        heightMeters: header.origin.height))
  }

  /// The ego and agents at `time` (UTC ns), interpolated; nil outside the samples.
  public func states(at time: Int64) -> (ego: TruthSample.State, agents: [TruthSample.State])? {
    guard let first = samples.first, let last = samples.last, time >= first.t_ns,
      time <= last.t_ns
    else { return nil }
    let next = samples.firstIndex { $0.t_ns >= time } ?? samples.count - 1
    guard next > 0 else { return (first.ego, first.agents) }
    let a = samples[next - 1]
    let b = samples[next]
    let f = Double(time - a.t_ns) / Double(b.t_ns - a.t_ns)
    func mix(_ p: TruthSample.State, _ q: TruthSample.State) -> TruthSample.State {
      var turn = q.yaw - p.yaw
      turn -= 2 * .pi * (turn / (2 * .pi)).rounded()
      return .init(
        id: p.id, x: p.x + (q.x - p.x) * f, y: p.y + (q.y - p.y) * f, yaw: p.yaw + turn * f,
        speed: p.speed + (q.speed - p.speed) * f)
    }
    return (mix(a.ego, b.ego), zip(a.agents, b.agents).map(mix))
  }

  /// The ego samples as GNSS fixes: what an ideal GNSS/INS would report.
  public func egoFixes() -> [GNSSFix] {
    samples.map { sample in
      let geo = plane.geodetic(ENUPoint(east: sample.ego.x, north: sample.ego.y))
      return GNSSFix(
        utcNanoseconds: sample.t_ns, latitude: geo.latitudeDegrees,
        longitude: geo.longitudeDegrees, speedMetersPerSecond: sample.ego.speed,
        courseDegrees: enuYawToHeading(radiansFromEastCounterClockwise: sample.ego.yaw))
    }
  }

  /// A point of the scenario's plane in another ENU plane (the runtime anchors its own).
  public func point(x: Double, y: Double, in other: LocalTangentPlane) -> (x: Double, y: Double) {
    let p = other.enu(plane.geodetic(ENUPoint(east: x, north: y)))
    return (p.east, p.north)
  }
}
