import SightlineV2X

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
    counters.dropped[.oversized] += 1
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
      counters.dropped[reason] += 1
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
        counters.dropped[.duplicate] += 1
        return nil
      case .stale:
        counters.dropped[.stale] += 1
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

extension V2XDecodeError {
  var isUnknownMessageId: Bool {
    if case .unknownMessageId = self { return true }
    return false
  }
}
