import SightlineV2X

/// How a source's payloads are written.
public enum V2XPayloadFormat: String, Sendable, CaseIterable, Codable {
  /// The bytes as they came off the radio (possibly with WSMP/1609.2 around the frame).
  case uper
  /// The same bytes as hex text.
  case hex
  /// JSON from middleware (jpo-ode, V2X-Hub) with the hex inside.
  case json
}

/// Why a V2X message was not used. Every message lands in exactly one counter.
public enum V2XDropReason: Int, CaseIterable, Sendable, Error, CustomStringConvertible {
  case oversized
  case malformed
  case unknownType
  case duplicate
  case stale

  public var description: String {
    switch self {
    case .oversized: "oversized"
    case .malformed: "malformed"
    case .unknownType: "unknown type"
    case .duplicate: "duplicate"
    case .stale: "stale"
    }
  }
}

public struct V2XCounters: Sendable, Equatable, Codable {
  public var received = 0
  public var bsm = 0
  public var psm = 0
  /// Recognised J2735 messages that this runtime does not decode (SPaT, MAP, TIM, …).
  public var knownNotDecoded = 0
  public var dropped = [Int](repeating: 0, count: V2XDropReason.allCases.count)
  public var outOfOrder = 0
  public var signed = 0

  public init() {}

  public var accepted: Int { bsm + psm }
  public var totalDropped: Int { dropped.reduce(0, +) }
  /// Every received message is exactly one of these.
  public var balances: Bool { received == accepted + knownNotDecoded + totalDropped }
}

/// One decoded, admitted V2X message: what the timeline and tracker stages consume.
public struct V2XObservation: Sendable, Equatable {
  public enum Message: Sendable, Equatable {
    case bsm(BasicSafetyMessage)
    case psm(PersonalSafetyMessage)
  }
  public var message: Message
  /// CLOCK_REALTIME when it arrived (or the recorded receive time on replay), UTC ns.
  public var receiveTimeNanoseconds: Int64
  /// Receive − generation, from secMark; nil when the message carries no time.
  public var ageMilliseconds: Int64?
  public var outOfOrder: Bool
  public var source: Int
}

/// Payload bytes → observation or a counted drop. Pure apart from its counters; shared by the
/// live receiver, replay and `sightline v2x decode`. Allocation-free per message.
public struct V2XIngest {
  public static let maximumPayloadBytes = 4096
  public private(set) var counters = V2XCounters()
  public private(set) var hygiene: StreamHygiene
  /// Scratch for hex and JSON payloads turned into bytes.
  private var scratch: UnsafeMutableRawBufferPointer

  public init(staleAfterMilliseconds: Int64 = 2000) {
    hygiene = StreamHygiene(staleAfterMilliseconds: staleAfterMilliseconds)
    scratch = UnsafeMutableRawBufferPointer.allocate(
      byteCount: Self.maximumPayloadBytes, alignment: 8)
  }

  /// Frees the scratch buffer; call once when done (the struct is copied by value).
  public func release() { scratch.deallocate() }

  /// The frame inside a payload of the given format, as bytes in `body`'s buffer.
  public mutating func withFrameBytes<T>(
    _ payload: UnsafeRawBufferPointer, format: V2XPayloadFormat,
    _ body: (Result<(UnsafeRawBufferPointer, UnwrappedFrame), V2XDropReason>) -> T
  ) -> T {
    guard payload.count <= Self.maximumPayloadBytes * 4 else { return body(.failure(.oversized)) }
    let binary: UnsafeRawBufferPointer
    switch format {
    case .uper:
      guard payload.count <= Self.maximumPayloadBytes else { return body(.failure(.oversized)) }
      binary = payload
    case .hex, .json:
      var text = payload
      if format == .json {
        guard let range = PayloadText.hexPayload(fromJSON: payload) else {
          return body(.failure(.malformed))
        }
        text = UnsafeRawBufferPointer(rebasing: payload[range])
      }
      guard text.count / 2 <= Self.maximumPayloadBytes else { return body(.failure(.oversized)) }
      guard let count = PayloadText.bytes(fromHex: text, into: scratch) else {
        return body(.failure(.malformed))
      }
      binary = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scratch)[0..<count])
    }
    switch V2XUnwrap.locateFrame(binary) {
    case .failure:
      // A bare frame whose message id is not J2735's is an unknown type, not garbage.
      if case .failure(let error) = J2735.decodeFrame(binary), error.isUnknownMessageId {
        return body(.failure(.unknownType))
      }
      return body(.failure(.malformed))
    case .success(let unwrapped):
      return body(.success((binary, unwrapped)))
    }
  }

  /// A payload too large to even receive whole.
  public mutating func countOversized() {
    counters.received += 1
    counters.dropped[V2XDropReason.oversized.rawValue] += 1
  }

  /// One received payload. Returns the observation when the message is a fresh BSM or PSM.
  public mutating func ingest(
    _ payload: UnsafeRawBufferPointer, format: V2XPayloadFormat, receiveTimeNanoseconds: Int64,
    source: Int = 0
  ) -> V2XObservation? {
    counters.received += 1
    let decoded: Result<(DecodedFrame, Bool), V2XDropReason> = withFrameBytes(
      payload, format: format
    ) { located in
      switch located {
      case .failure(let reason): return .failure(reason)
      case .success(let (bytes, unwrapped)):
        let frame = UnsafeRawBufferPointer(rebasing: bytes[unwrapped.frame])
        switch J2735.decodeFrame(frame) {
        case .success(let decoded):
          return .success((decoded, unwrapped.layers.contains(.ieee1609Dot2Signed)))
        case .failure(let error):
          return .failure(error.isUnknownMessageId ? .unknownType : .malformed)
        }
      }
    }
    switch decoded {
    case .failure(let reason):
      counters.dropped[reason.rawValue] += 1
      return nil
    case .success(let (frame, signed)):
      if signed { counters.signed += 1 }
      let message: V2XObservation.Message
      let id: UInt32
      let msgCnt: UInt8
      let secMark: UInt16
      switch frame.body {
      case .other:
        counters.knownNotDecoded += 1
        return nil
      case .bsm(let bsm):
        message = .bsm(bsm)
        (id, msgCnt, secMark) = (bsm.coreData.id, bsm.coreData.msgCnt, bsm.coreData.secMark)
      case .psm(let psm):
        message = .psm(psm)
        (id, msgCnt, secMark) = (psm.id, psm.msgCnt, psm.secMark)
      }
      switch hygiene.admit(
        id: id, msgCnt: msgCnt, secMark: secMark, receiveTimeNanoseconds: receiveTimeNanoseconds)
      {
      case .duplicate:
        counters.dropped[V2XDropReason.duplicate.rawValue] += 1
        return nil
      case .stale:
        counters.dropped[V2XDropReason.stale.rawValue] += 1
        return nil
      case .fresh(let age, let outOfOrder):
        if case .bsm = message { counters.bsm += 1 } else { counters.psm += 1 }
        if outOfOrder { counters.outOfOrder += 1 }
        return V2XObservation(
          message: message, receiveTimeNanoseconds: receiveTimeNanoseconds, ageMilliseconds: age,
          outOfOrder: outOfOrder, source: source)
      }
    }
  }
}
