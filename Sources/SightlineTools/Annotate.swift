import Foundation
import SightlinePipeline
import SightlineV2X

/// `sightline annotate`: the latency story of every admitted V2X message — when it was made,
/// when it arrived, how far its sender moved in between, and so how wrong its position is if
/// used as it stands. Training data for V2X safety models needs exactly this.
public enum Annotate {
  public struct Row: Codable, Sendable {
    public var receive_ns: Int64
    public var generation_ns: Int64?
    public var latency_ms: Double?
    public var type: String
    public var id: String
    public var msg_cnt: Int
    public var speed_mps: Double?
    /// Speed × latency: how far the sender moved while the message travelled.
    public var distance_travelled_m: Double?
    /// distance_travelled_m + the reported 1σ semi-major accuracy (0 when not reported).
    public var position_error_bound_m: Double?
    public var accuracy_semi_major_m: Double?
    public var source: String
  }

  public static func rows(log: [V2XLogEntry], staleAfterMilliseconds: Int64) -> (
    rows: [Row], counters: V2XCounters
  ) {
    var ingest = V2XIngest(staleAfterMilliseconds: staleAfterMilliseconds)
    defer { ingest.release() }
    var rows = [Row]()
    for entry in log {
      guard let payload = entry.payload,
        let observation = payload.withUnsafeBytes({
          ingest.ingest($0, format: entry.format, receiveTimeNanoseconds: entry.t_ns)
        })
      else { continue }
      let (type, id, msgCnt, secMark, speed, semiMajor):
        (String, UInt32, UInt8, UInt16, Double?, Double?)
      switch observation.message {
      case .bsm(let bsm):
        let si = BSMSIView(bsm.coreData)
        (type, id, msgCnt, secMark, speed, semiMajor) = (
          "BSM", bsm.coreData.id, bsm.coreData.msgCnt, bsm.coreData.secMark,
          si.speedMetresPerSecond, si.accuracy.semiMajor
        )
      case .psm(let psm):
        let si = PSMSIView(psm)
        (type, id, msgCnt, secMark, speed, semiMajor) = (
          "PSM", psm.id, psm.msgCnt, psm.secMark, si.speedMetresPerSecond, si.accuracy.semiMajor
        )
      }
      let latency = SecMark.ageMilliseconds(secMark: secMark, receiveTimeNanoseconds: entry.t_ns)
      let travelled = both(speed, latency).map { $0.0 * Double(max(0, $0.1)) / 1000 }
      rows.append(
        Row(
          receive_ns: entry.t_ns,
          generation_ns: SecMark.generationTime(
            secMark: secMark, receiveTimeNanoseconds: entry.t_ns),
          latency_ms: latency.map(Double.init), type: type, id: String(format: "%08x", id),
          msg_cnt: Int(msgCnt), speed_mps: speed, distance_travelled_m: travelled,
          position_error_bound_m: travelled.map { $0 + (semiMajor ?? 0) },
          accuracy_semi_major_m: semiMajor, source: entry.source))
    }
    return (rows, ingest.counters)
  }

  public static let csvHeader =
    "receive_ns,generation_ns,latency_ms,type,id,msg_cnt,speed_mps,distance_travelled_m,"
    + "position_error_bound_m,accuracy_semi_major_m,source"

  public static func csv(_ row: Row) -> String {
    func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "" }
    return [
      "\(row.receive_ns)", text(row.generation_ns), text(row.latency_ms), row.type, row.id,
      "\(row.msg_cnt)", text(row.speed_mps), text(row.distance_travelled_m),
      text(row.position_error_bound_m), text(row.accuracy_semi_major_m), row.source,
    ].joined(separator: ",")
  }

  public static func json(_ row: Row) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: (try? encoder.encode(row)) ?? Data(), as: UTF8.self)
  }
}

private func both<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
  guard let a, let b else { return nil }
  return (a, b)
}
