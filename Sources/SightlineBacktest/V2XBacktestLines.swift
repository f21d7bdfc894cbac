import Foundation
import SightlinePipeline
import SightlineV2X

/// The backtest's input, line by line: a V2X log (docs/V2X-LOG.md: `t_ns`, `format`,
/// `payload_hex`), a vector file (one JSON object with a `hex` MessageFrame a line, as in
/// shared/data/v2x), or bare hex payloads. Each line's payload goes through the runtime's own
/// unwrapping and decoding (`V2XIngest.withFrameBytes`, `J2735.decodeFrame`); a line that does
/// not give a BSM or PSM with a time and a position is counted by reason, never fatal.
public enum V2XBacktestLines {
  /// Why a line gave no message.
  public enum Skip: String, CaseIterable, Sendable, Comparable, Error {
    /// Starts with `{` but is not a JSON object.
    case notJSON = "not_json"
    /// A JSON object with neither a log entry's `t_ns`, `format`, `payload_hex` nor a `hex` key.
    case noPayload = "no_payload"
    /// The payload (or the bare line) is not hex.
    case notHex = "not_hex"
    /// A log entry's `t_ns` beyond ±2⁶² ns (about ±146 years around 1970).
    case receiveTimeOutOfRange = "receive_time_out_of_range"
    /// More than `V2XIngest` takes.
    case oversized
    /// No J2735 MessageFrame in it, or one that does not decode.
    case notJ2735 = "not_j2735"
    /// A MessageFrame whose message id is not J2735's.
    case unknownMessageType = "unknown_message_type"
    /// A J2735 message other than a BSM or PSM (SPaT, MAP, TIM, …).
    case notBSMOrPSM = "not_bsm_or_psm"
    /// secMark unavailable (65535) or a leap second (60000–60999): no place in time.
    case noTime = "no_time"
    /// Latitude or longitude unavailable.
    case noPosition = "no_position"

    public static func < (a: Skip, b: Skip) -> Bool { a.rawValue < b.rawValue }
  }

  /// One decoded BSM or PSM.
  public struct Message: Sendable {
    /// 1-based line number in the file.
    public var line: Int
    public var id: UInt32
    public var msgCnt: UInt8
    /// ms within the UTC minute, < 60000.
    public var secMark: UInt16
    /// The log's receive time (UTC ns); nil in vector files and bare hex.
    public var receiveTimeNanoseconds: Int64?
    public var message: V2XObservation.Message
    public var latitudeDegrees: Double
    public var longitudeDegrees: Double
    public var heightMetres: Double
  }

  /// What a whole file gave.
  public struct Result: Sendable {
    /// Lines that are neither empty nor comments (`#`).
    public var lines = 0
    public var messages: [Message] = []
    public var skipped: [Skip: Int] = [:]
    public var skippedCount: Int { skipped.values.reduce(0, +) }
  }

  /// Reads every line of `text`.
  public static func read(_ text: String) -> Result {
    var ingest = V2XIngest()
    defer { ingest.release() }
    var result = Result()
    var number = 0
    // Character.isNewline: "\r\n" is one Character, so splitting at "\n" would miss it.
    for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      number += 1
      let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      result.lines += 1
      switch message(trimmed, line: number, ingest: &ingest) {
      case .success(let message): result.messages.append(message)
      case .failure(let skip): result.skipped[skip, default: 0] += 1
      }
    }
    return result
  }

  /// A vector file's line: the MessageFrame as hex (other keys are expected values).
  private struct VectorLine: Decodable {
    var hex: String
  }

  /// One non-empty, non-comment line.
  static func message(_ line: String, line number: Int, ingest: inout V2XIngest)
    -> Swift.Result<Message, Skip>
  {
    var receiveTime: Int64?
    let payload: [UInt8]
    var format = V2XPayloadFormat.uper
    if line.hasPrefix("{") {
      let data = Data(line.utf8)
      let decoder = JSONDecoder()
      if let entry = try? decoder.decode(V2XLogEntry.self, from: data) {
        guard let bytes = entry.payload else { return .failure(.notHex) }
        guard entry.t_ns.magnitude < 1 << 62 else { return .failure(.receiveTimeOutOfRange) }
        (payload, format, receiveTime) = (bytes, entry.format, entry.t_ns)
      } else if let vector = try? decoder.decode(VectorLine.self, from: data) {
        guard let bytes = V2XLogEntry.bytes(hex: vector.hex) else { return .failure(.notHex) }
        payload = bytes
      } else {
        let object = try? JSONSerialization.jsonObject(with: data)
        return .failure(object is [String: Any] ? .noPayload : .notJSON)
      }
    } else {
      let hex = line.filter { $0 != " " && $0 != "\t" }
      guard let bytes = V2XLogEntry.bytes(hex: hex) else { return .failure(.notHex) }
      payload = bytes
    }
    guard let decoded = decode(payload, format: format, ingest: &ingest) else {
      return .failure(.notJ2735)
    }
    return decoded.flatMap { message(of: $0, line: number, receiveTime: receiveTime) }
  }

  /// The payload's MessageFrame, through the runtime's unwrapping and decoder.
  private static func decode(
    _ payload: [UInt8], format: V2XPayloadFormat, ingest: inout V2XIngest
  ) -> Swift.Result<DecodedFrame, Skip>? {
    payload.withUnsafeBytes { raw in
      ingest.withFrameBytes(raw, format: format) { located in
        switch located {
        case .failure(.oversized): return .failure(.oversized)
        case .failure(.unknownType): return .failure(.unknownMessageType)
        case .failure: return nil
        case .success(let (bytes, unwrapped)):
          switch J2735.decodeFrame(UnsafeRawBufferPointer(rebasing: bytes[unwrapped.frame])) {
          case .success(let frame): return .success(frame)
          case .failure(let error):
            return error.isUnknownMessageId ? .failure(.unknownMessageType) : nil
          }
        }
      }
    }
  }

  private static func message(of frame: DecodedFrame, line: Int, receiveTime: Int64?)
    -> Swift.Result<Message, Skip>
  {
    let message: V2XObservation.Message
    let id: UInt32
    let msgCnt: UInt8
    let secMark: UInt16
    let place: (Double?, Double?, Double?)
    switch frame.body {
    case .other: return .failure(.notBSMOrPSM)
    case .bsm(let bsm):
      let si = BSMSIView(bsm.coreData)
      message = .bsm(bsm)
      (id, msgCnt, secMark) = (bsm.coreData.id, bsm.coreData.msgCnt, bsm.coreData.secMark)
      place = (si.latitudeDegrees, si.longitudeDegrees, si.elevationMetres)
    case .psm(let psm):
      let si = PSMSIView(psm)
      message = .psm(psm)
      (id, msgCnt, secMark) = (psm.id, psm.msgCnt, psm.secMark)
      place = (si.latitudeDegrees, si.longitudeDegrees, si.elevationMetres)
    }
    guard secMark < 60000 else { return .failure(.noTime) }
    guard let latitude = place.0, let longitude = place.1 else { return .failure(.noPosition) }
    return .success(
      Message(
        line: line, id: id, msgCnt: msgCnt, secMark: secMark,
        receiveTimeNanoseconds: receiveTime, message: message, latitudeDegrees: latitude,
        longitudeDegrees: longitude, heightMetres: place.2 ?? 0))
  }
}

extension V2XDecodeError {
  fileprivate var isUnknownMessageId: Bool {
    if case .unknownMessageId = self { return true }
    return false
  }
}
